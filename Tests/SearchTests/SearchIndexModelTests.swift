import Foundation
import Search
import SeatTestSupport
import Testing

/// The index against a brute-force reference that compares every query word with every word of
/// every movie: the same movies must match and the facets must count the same, for random
/// catalogs whose words are crowded together (a five-letter alphabet), so typos collide often.
@Suite("Search index against a brute-force reference", .timeLimit(.minutes(2)))
struct SearchIndexModelTests {
    typealias Generator = SeededGenerator

    static let alphabet = Array("abcde")
    static let cities = ["pune", "mumbai", "delhi"]
    static let genres = ["drama", "comedy", "action", "horror"]
    static let languages = ["english", "hindi", "tamil"]
    static let formats = ["2d", "3d", "imax"]

    static func word(_ random: inout Generator) -> String {
        String((0..<Int.random(in: 2...9, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
    }

    static func catalog(_ random: inout Generator) -> [SearchDocument] {
        (0..<60).map { index in
            SearchDocument(
                movieID: "m\(index)", title: (0..<Int.random(in: 1...3, using: &random)).map { _ in word(&random) }.joined(separator: " "),
                originalTitle: Bool.random(using: &random) ? word(&random) : nil,
                cast: (0..<Int.random(in: 0...2, using: &random)).map { _ in word(&random) },
                genres: Array(genres.shuffled(using: &random).prefix(Int.random(in: 1...2, using: &random))),
                certification: ["U", "UA", "A"].randomElement(using: &random)!, releaseDay: Int.random(in: 0...100, using: &random),
                popularity: Double(Int.random(in: 0...1000, using: &random)),
                showtimes: (0..<Int.random(in: 0...4, using: &random)).map { number in
                    SearchShowtime(
                        showtimeID: "m\(index)s\(number)", theatreID: "t\(Int.random(in: 0...5, using: &random))",
                        city: cities.randomElement(using: &random)!, latitude: Double.random(in: 18...20, using: &random),
                        longitude: Double.random(in: 72...74, using: &random), startsAtMs: Int64.random(in: 0...(7 * 86_400_000), using: &random),
                        localMinuteOfDay: Int.random(in: 0...1439, using: &random), language: languages.randomElement(using: &random)!,
                        format: formats.randomElement(using: &random)!, lowestPriceMinor: Int64.random(in: 10_000...50_000, using: &random))
                })
        }
    }

    /// A word from the catalog with up to two random edits, or a fresh word.
    static func queryWord(_ documents: [SearchDocument], _ random: inout Generator) -> String {
        let words = documents.flatMap { TextFolding.words($0.title) }
        var characters = Array(Bool.random(using: &random) ? words.randomElement(using: &random)! : word(&random))
        for _ in 0..<Int.random(in: 0...2, using: &random) where characters.count > 1 {
            let index = Int.random(in: 0..<characters.count, using: &random)
            switch Int.random(in: 0...3, using: &random) {
            case 0: characters[index] = alphabet.randomElement(using: &random)!
            case 1: characters.remove(at: index)
            case 2: characters.insert(alphabet.randomElement(using: &random)!, at: index)
            default: if index + 1 < characters.count { characters.swapAt(index, index + 1) }
            }
        }
        return String(characters)
    }

    static func query(_ documents: [SearchDocument], _ random: inout Generator) -> SearchQuery {
        var query = SearchQuery()
        query.text = (0..<Int.random(in: 0...2, using: &random)).map { _ in queryWord(documents, &random) }.joined(separator: " ")
            + (Bool.random(using: &random) ? " " : "")
        query.limit = SearchQuery.limitMax
        query.showtimesPerHit = Int.random(in: 0...3, using: &random)
        if Int.random(in: 0...3, using: &random) == 0 { query.genres = [genres.randomElement(using: &random)!] }
        if Int.random(in: 0...3, using: &random) == 0 { query.cities = [cities.randomElement(using: &random)!] }
        if Int.random(in: 0...4, using: &random) == 0 { query.languages = [languages.randomElement(using: &random)!] }
        if Int.random(in: 0...4, using: &random) == 0 { query.formats = [formats.randomElement(using: &random)!] }
        if Int.random(in: 0...4, using: &random) == 0 { query.localMinutes = 1020...1439 }
        if Int.random(in: 0...4, using: &random) == 0 { query.lowestPriceAtMostMinor = 30_000 }
        if Int.random(in: 0...5, using: &random) == 0 { query.near = .init(latitude: 19, longitude: 73, radiusKilometres: 80) }
        if Int.random(in: 0...2, using: &random) == 0 { query.startsFromMs = Int64.random(in: 0...(4 * 86_400_000), using: &random) }
        if Int.random(in: 0...3, using: &random) == 0 {
            query.startsBeforeMs = (query.startsFromMs ?? 0) + Int64.random(in: 0...(3 * 86_400_000), using: &random)
        }
        if Int.random(in: 0...2, using: &random) == 0 { query.listedFromMs = Int64.random(in: 0...(4 * 86_400_000), using: &random) }
        if Int.random(in: 0...6, using: &random) == 0 { query.theatreIDs = ["t\(Int.random(in: 0...6, using: &random))"] }
        if Int.random(in: 0...6, using: &random) == 0 { query.certifications = ["UA"] }
        return query
    }

    // MARK: the reference: plain loops, the full dynamic-programming table

    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in stride(from: 1, through: a.count, by: 1) {
            for j in stride(from: 1, through: b.count, by: 1) {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1) }
            }
        }
        return table[a.count][b.count]
    }

    static func textMatches(_ document: SearchDocument, _ text: String) -> Bool {
        let words = TextFolding.words(text)
        let endsInWord = text.last.map { $0.isLetter || $0.isNumber } ?? false
        let documentWords = ([document.title, document.originalTitle ?? ""] + document.cast).flatMap(TextFolding.words)
        return words.enumerated().allSatisfy { position, word in
            let prefix = position == words.count - 1 && endsInWord
            let typos = TextFolding.typosAllowed(forWordOfLength: word.count)
            return documentWords.contains { candidate in
                (prefix && candidate.hasPrefix(word)) || distance(Array(word), Array(candidate)) <= typos
            }
        }
    }

    static func passes(_ showtime: SearchShowtime, _ query: SearchQuery, ignoring facet: Facet?) -> Bool {
        (facet == .language || query.languages.isEmpty || query.languages.contains(showtime.language))
            && (facet == .format || query.formats.isEmpty || query.formats.contains(showtime.format))
            && (facet == .city || query.cities.isEmpty || query.cities.contains(showtime.city))
            && (query.localMinutes.map { $0.contains(showtime.localMinuteOfDay) } ?? true)
            && (query.startsFromMs.map { showtime.startsAtMs >= $0 } ?? true)
            && (query.listedFromMs.map { showtime.startsAtMs >= $0 } ?? true)
            && (query.startsBeforeMs.map { showtime.startsAtMs < $0 } ?? true)
            && (query.theatreIDs.isEmpty || query.theatreIDs.contains(showtime.theatreID))
            && (query.lowestPriceAtMostMinor.map { showtime.lowestPriceMinor <= $0 } ?? true)
            && (query.near.map { circle in
                let radians = Double.pi / 180
                let dLat = (showtime.latitude - circle.latitude) * radians, dLon = (showtime.longitude - circle.longitude) * radians
                let h = sin(dLat / 2) * sin(dLat / 2) + cos(circle.latitude * radians) * cos(showtime.latitude * radians) * sin(dLon / 2) * sin(dLon / 2)
                return 2 * 6_371 * asin(min(1, sqrt(h))) <= circle.radiusKilometres
            } ?? true)
    }

    /// The passing showtimes, or nil when the movie does not match (ignoring one facet's filter).
    static func reference(_ document: SearchDocument, _ query: SearchQuery, ignoring facet: Facet?) -> [SearchShowtime]? {
        guard textMatches(document, query.text) else { return nil }
        if facet != .genre, !query.genres.isEmpty, query.genres.isDisjoint(with: document.genres) { return nil }
        if !query.certifications.isEmpty, !query.certifications.contains(document.certification) { return nil }
        let passing = document.showtimes.filter { passes($0, query, ignoring: facet) }
        let showtimeFilters = (facet != .language && !query.languages.isEmpty) || (facet != .format && !query.formats.isEmpty)
            || (facet != .city && !query.cities.isEmpty) || query.localMinutes != nil || query.lowestPriceAtMostMinor != nil || query.near != nil
            || query.startsFromMs != nil || query.startsBeforeMs != nil || !query.theatreIDs.isEmpty
        return showtimeFilters && passing.isEmpty ? nil : passing
    }

    @Test func theIndexAgreesWithBruteForce() {
        let seed = UInt64.random(in: 0 ... .max)
        print("search model test seed \(seed)")
        var random = Generator(seed: seed)
        for _ in 0..<8 {
            let documents = Self.catalog(&random)
            let index = SearchIndex(documents: documents)
            for _ in 0..<150 {
                let query = Self.query(documents, &random)
                let result = index.search(query)
                let expected = documents.filter { Self.reference($0, query, ignoring: nil) != nil }
                #expect(Set(result.hits.map(\.movieID)) == Set(expected.map(\.movieID)), "seed \(seed), query \(query)")
                #expect(result.total == expected.count, "seed \(seed)")
                for hit in result.hits {
                    let document = documents.first { $0.movieID == hit.movieID }!
                    let passing = Self.reference(document, query, ignoring: nil)!.sorted { $0.startsAtMs < $1.startsAtMs }
                    #expect(hit.showtimeCount == passing.count, "seed \(seed)")
                    #expect(hit.showtimes.map(\.startsAtMs) == passing.prefix(query.showtimesPerHit).map(\.startsAtMs), "seed \(seed)")
                    #expect(Set(hit.showtimes.map(\.showtimeID)).isSubset(of: Set(passing.map(\.showtimeID))), "seed \(seed)")
                }
                for facet in Facet.allCases {
                    var counts: [String: Int] = [:]
                    for document in documents {
                        guard let showtimes = Self.reference(document, query, ignoring: facet) else { continue }
                        let values: Set<String> = switch facet {
                        case .genre: Set(document.genres)
                        case .language: Set(showtimes.map(\.language))
                        case .format: Set(showtimes.map(\.format))
                        case .city: Set(showtimes.map(\.city))
                        }
                        for value in values { counts[value, default: 0] += 1 }
                    }
                    #expect(result.facets[facet] == counts, "seed \(seed), facet \(facet), query \(query)")
                }
            }
        }
    }
}
