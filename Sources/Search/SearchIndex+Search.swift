import Foundation

extension SearchIndex {
    /// Movies matching `query`, best first, one page of them, with facet counts.
    ///
    /// Ranking blends text relevance (how well each word matched, by field and rarity) with
    /// popularity and recency; with no words, popularity and recency alone. Ties go to the
    /// movie id, so pages never overlap.
    public func search(_ query: SearchQuery) -> SearchResult {
        let text = textScores(query.text)
        let candidates: [Int32] = text.map { Array($0.keys) } ?? documents.indices.map(Int32.init)
        let filter = Filter(query)

        var ranked: [(document: Int32, score: Double, showtimes: [Int])] = []
        var facets: [Facet: [String: Int]] = Dictionary(uniqueKeysWithValues: Facet.allCases.map { ($0, [:]) })
        for document in candidates {
            let prepared = self.prepared[Int(document)]
            if let showtimes = filter.matchingShowtimes(of: documents[Int(document)], prepared, ignoring: nil) {
                let relevance = text?[document] ?? 0
                let score = text == nil ? prepared.rankBoost : relevance * (1 + prepared.rankBoost)
                ranked.append((document, score, showtimes))
            }
            for facet in Facet.allCases {
                guard let showtimes = filter.matchingShowtimes(of: documents[Int(document)], prepared, ignoring: facet) else { continue }
                for value in Self.values(of: facet, prepared, showtimes: showtimes) {
                    facets[facet]![value, default: 0] += 1
                }
            }
        }
        ranked.sort { $0.score != $1.score ? $0.score > $1.score : documents[Int($0.document)].movieID < documents[Int($1.document)].movieID }
        let limit = min(max(query.limit, 0), SearchQuery.limitMax)
        let page = ranked.dropFirst(max(query.offset, 0)).prefix(limit)
        return SearchResult(
            hits: page.map { entry in
                let document = documents[Int(entry.document)]
                return .init(movieID: document.movieID, score: entry.score,
                             showtimes: entry.showtimes.map { document.showtimes[$0] }.sorted { $0.startsAtMs < $1.startsAtMs })
            },
            total: ranked.count, facets: facets)
    }

    /// Titles for an unfinished query, best first (autocomplete).
    public func suggestions(for text: String, limit: Int = 8) -> [String] {
        var query = SearchQuery()
        query.text = text
        query.limit = limit
        guard !TextFolding.words(text).isEmpty else { return [] }
        return search(query).hits.map { hit in documents.first { $0.movieID == hit.movieID }?.title ?? "" }
    }

    /// A facet's values in one matching document (each counted once per document).
    static func values(of facet: Facet, _ prepared: Prepared, showtimes: [Int]) -> Set<String> {
        switch facet {
        case .genre: prepared.genres
        case .language: Set(showtimes.map { prepared.showtimes[$0].language })
        case .format: Set(showtimes.map { prepared.showtimes[$0].format })
        case .city: Set(showtimes.map { prepared.showtimes[$0].city })
        }
    }
}

/// A query's filters, folded once, applied to one document at a time.
struct Filter {
    let query: SearchQuery
    let genres: Set<String>
    let certifications: Set<String>
    let languages: Set<String>
    let formats: Set<String>
    let cities: Set<String>

    init(_ query: SearchQuery) {
        self.query = query
        genres = Set(query.genres.map(TextFolding.fold))
        certifications = Set(query.certifications.map(TextFolding.fold))
        languages = Set(query.languages.map(TextFolding.fold))
        formats = Set(query.formats.map(TextFolding.fold))
        cities = Set(query.cities.map(TextFolding.fold))
    }

    /// The indices of the document's showtimes that pass, or nil when the document does not
    /// match. With `ignoring`, that facet's own filter is left out (for its counts).
    func matchingShowtimes(of document: SearchDocument, _ prepared: SearchIndex.Prepared, ignoring facet: Facet?) -> [Int]? {
        if facet != .genre, !genres.isEmpty, genres.isDisjoint(with: prepared.genres) { return nil }
        if !certifications.isEmpty, !certifications.contains(prepared.certification) { return nil }
        var passing: [Int] = []
        for (index, showtime) in document.showtimes.enumerated() {
            let folded = prepared.showtimes[index]
            if facet != .language, !languages.isEmpty, !languages.contains(folded.language) { continue }
            if facet != .format, !formats.isEmpty, !formats.contains(folded.format) { continue }
            if facet != .city, !cities.isEmpty, !cities.contains(folded.city) { continue }
            if !query.theatreIDs.isEmpty, !query.theatreIDs.contains(showtime.theatreID) { continue }
            if let from = query.startsFromMs, showtime.startsAtMs < from { continue }
            if let before = query.startsBeforeMs, showtime.startsAtMs >= before { continue }
            if let minutes = query.localMinutes, !minutes.contains(showtime.localMinuteOfDay) { continue }
            if let price = query.lowestPriceAtMostMinor, showtime.lowestPriceMinor > price { continue }
            if let circle = query.near,
               Geography.kilometres(from: (circle.latitude, circle.longitude), to: (showtime.latitude, showtime.longitude))
                > circle.radiusKilometres { continue }
            passing.append(index)
        }
        if query.filtersShowtimes(excluding: facet), passing.isEmpty { return nil }
        return passing
    }
}

enum Geography {
    static let earthRadiusKilometres = 6_371.0

    /// Great-circle distance (haversine).
    static func kilometres(from a: (Double, Double), to b: (Double, Double)) -> Double {
        let radians = Double.pi / 180
        let dLatitude = (b.0 - a.0) * radians
        let dLongitude = (b.1 - a.1) * radians
        let h = sin(dLatitude / 2) * sin(dLatitude / 2)
            + cos(a.0 * radians) * cos(b.0 * radians) * sin(dLongitude / 2) * sin(dLongitude / 2)
        return 2 * earthRadiusKilometres * asin(min(1, sqrt(h)))
    }
}
