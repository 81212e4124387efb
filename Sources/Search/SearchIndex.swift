import Foundation

/// An in-memory index of movies for search and autocomplete, built once from the catalog (a
/// value: rebuilding on change makes a new one, and readers keep the one they have).
///
/// Words are matched exactly, by prefix (the last word of a query, which the person may still
/// be typing), or with typos: one edit for words of four letters or more, two from eight, found
/// through a table of deletion variants (SymSpell) rather than by comparing against every word.
/// Every word of the query must match (AND). Filters apply to movies (genre, certification) and
/// to showtimes (language, format, city, theatre, time, price, distance); when any showtime
/// filter is set, a movie matches only through a showtime that passes them all.
public struct SearchIndex: Sendable {
    /// How much a word counts by the field it is in.
    static let titleWeight: Float = 3
    static let originalTitleWeight: Float = 2
    static let castWeight: Float = 1

    struct Posting: Sendable {
        var document: Int32
        var weight: Float
    }

    public let documents: [SearchDocument]
    /// Per document: its genres and certification as codes, and what ranking adds for
    /// popularity and recency.
    let genres: [[UInt32]]
    let certifications: [UInt32]
    let rankBoosts: [Double]
    /// Each document's place in movie-id order: ties in score go by it.
    let idRanks: [Int32]
    let genreCodes: ShowtimeTable.Codes
    let certificationCodes: ShowtimeTable.Codes
    let showtimes: ShowtimeTable
    let vocabulary: [String]
    let vocabularyCharacters: [[Character]]
    let postings: [[Posting]]
    let inverseDocumentFrequency: [Float]
    let deletions: [String: [Int32]]

    public init(documents: [SearchDocument]) {
        self.documents = documents
        var postingsByWord: [String: [Int32: Float]] = [:]
        for (index, document) in documents.enumerated() {
            let fields: [(String, Float)] = [(document.title, Self.titleWeight), (document.originalTitle ?? "", Self.originalTitleWeight)]
                + document.cast.map { ($0, Self.castWeight) }
            for (text, weight) in fields {
                for word in TextFolding.words(text) {
                    postingsByWord[word, default: [:]][Int32(index), default: 0] = max(postingsByWord[word]?[Int32(index)] ?? 0, weight)
                }
            }
        }
        vocabulary = postingsByWord.keys.sorted()
        vocabularyCharacters = vocabulary.map(Array.init)
        postings = vocabulary.map { word in
            postingsByWord[word]!.map { Posting(document: $0.key, weight: $0.value) }.sorted { $0.document < $1.document }
        }
        let documentCount = Float(max(documents.count, 1))
        inverseDocumentFrequency = postings.map { 1 + log(documentCount / Float($0.count)) }
        var deletions: [String: [Int32]] = [:]
        for (id, characters) in vocabularyCharacters.enumerated() {
            for variant in Self.deletionVariants(of: characters, upTo: Self.indexedDeletions(forWordOfLength: characters.count)) {
                deletions[variant, default: []].append(Int32(id))
            }
        }
        self.deletions = deletions

        let newestDay = documents.map(\.releaseDay).max() ?? 0
        let mostPopular = log1p(max(documents.map(\.popularity).max() ?? 0, 0))
        rankBoosts = documents.map { document in
            let popularity = mostPopular > 0 ? log1p(max(document.popularity, 0)) / mostPopular : 0
            let recency = exp(-Double(newestDay - document.releaseDay) / 90)
            return 0.25 * popularity + 0.15 * recency
        }
        var idRanks = [Int32](repeating: 0, count: documents.count)
        for (rank, document) in documents.indices.sorted(by: { documents[$0].movieID < documents[$1].movieID }).enumerated() {
            idRanks[document] = Int32(rank)
        }
        self.idRanks = idRanks
        var genreCodes = ShowtimeTable.Codes()
        var certificationCodes = ShowtimeTable.Codes()
        genres = documents.map { document in Array(Set(document.genres.map { genreCodes.code(TextFolding.fold($0)) })) }
        certifications = documents.map { certificationCodes.code(TextFolding.fold($0.certification)) }
        self.genreCodes = genreCodes
        self.certificationCodes = certificationCodes
        showtimes = ShowtimeTable(documents: documents)
    }

    /// Deletions indexed per word: enough for any query word whose allowed typos could reach it
    /// (a word within two edits of an 8-letter query word has at least 6 letters).
    static func indexedDeletions(forWordOfLength length: Int) -> Int {
        length >= 6 ? 2 : length >= 3 ? 1 : 0
    }

    /// The word itself and every string made by deleting up to `count` of its characters.
    static func deletionVariants(of characters: [Character], upTo count: Int) -> Set<String> {
        var variants: Set<[Character]> = [characters]
        var frontier: Set<[Character]> = [characters]
        for _ in 0..<count {
            var next: Set<[Character]> = []
            for word in frontier where word.count > 1 {
                for index in word.indices {
                    var shorter = word
                    shorter.remove(at: index)
                    if variants.insert(shorter).inserted { next.insert(shorter) }
                }
            }
            frontier = next
        }
        return Set(variants.map { String($0) })
    }

    /// How well a query word matches vocabulary words: word id → quality in (0, 1].
    func matches(forQueryWord word: String, allowingPrefix: Bool) -> [Int32: Float] {
        let characters = Array(word)
        var found: [Int32: Float] = [:]
        if allowingPrefix {
            var index = lowerBound(word)
            while index < vocabulary.count, vocabulary[index].hasPrefix(word) {
                let completeness = Float(characters.count) / Float(vocabularyCharacters[index].count)
                found[Int32(index)] = 0.6 + 0.4 * completeness
                index += 1
            }
        }
        let typos = TextFolding.typosAllowed(forWordOfLength: characters.count)
        var candidates: Set<Int32> = []
        for variant in Self.deletionVariants(of: characters, upTo: typos) {
            for id in deletions[variant] ?? [] { candidates.insert(id) }
        }
        for id in candidates {
            guard let distance = editDistance(characters, vocabularyCharacters[Int(id)], limit: typos) else { continue }
            let quality: Float = distance == 0 ? 1 : distance == 1 ? 0.7 : 0.5
            found[id] = max(found[id] ?? 0, quality)
        }
        return found
    }

    private func lowerBound(_ word: String) -> Int {
        var low = 0
        var high = vocabulary.count
        while low < high {
            let middle = (low + high) / 2
            if vocabulary[middle] < word { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Text relevance per matching document: every query word must match a word of it.
    func textScores(_ text: String) -> [Int32: Double]? {
        let words = Array(TextFolding.words(String(text.prefix(SearchQuery.textCharactersMax))).prefix(10))
        guard !words.isEmpty else { return nil }
        let endsInWord = text.last.map { $0.isLetter || $0.isNumber } ?? false
        var scores: [Int32: Double]?
        for (position, word) in words.enumerated() {
            let allowingPrefix = position == words.count - 1 && endsInWord
            var wordScores: [Int32: Double] = [:]
            for (id, quality) in matches(forQueryWord: word, allowingPrefix: allowingPrefix) {
                let idf = inverseDocumentFrequency[Int(id)]
                for posting in postings[Int(id)] {
                    let score = Double(quality * posting.weight * idf)
                    if score > wordScores[posting.document] ?? 0 { wordScores[posting.document] = score }
                }
            }
            if let sofar = scores {
                var both: [Int32: Double] = [:]
                for (document, score) in wordScores {
                    if let previous = sofar[document] { both[document] = previous + score }
                }
                scores = both
            } else {
                scores = wordScores
            }
            if scores?.isEmpty == true { return [:] }
        }
        return scores
    }
}
