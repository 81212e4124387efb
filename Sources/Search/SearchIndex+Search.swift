import Foundation

extension SearchIndex {
    /// Movies matching `query`, best first, one page of them, with facet counts.
    ///
    /// Ranking blends text relevance (how well each word matched, by field and rarity) with
    /// popularity and recency; with no words, popularity and recency alone. Ties go to the
    /// movie id, so pages never overlap.
    public func search(_ query: SearchQuery) -> SearchResult {
        let (page, total, facets) = matches(query)
        return SearchResult(
            hits: page.map { entry in
                let document = documents[Int(entry.document)]
                let (first, count) = passingShowtimes(of: entry.document, entry.filter, listing: query.showtimesPerHit)
                return .init(movieID: document.movieID, score: entry.score, showtimes: first.map { document.showtimes[$0] },
                             showtimeCount: count)
            },
            total: total, facets: facets)
    }

    /// Titles for an unfinished query, best first (autocomplete).
    public func suggestions(for text: String, limit: Int = 8) -> [String] {
        var query = SearchQuery()
        query.text = text
        query.limit = limit
        guard !TextFolding.words(text).isEmpty else { return [] }
        return matches(query).page.map { documents[Int($0.document)].title }
    }

    /// One page of matching documents with their scores, how many match in all, and the facets.
    ///
    /// Each candidate movie's showtimes are scanned once, in the query's time window only, each
    /// showtime checked with integer comparisons; a movie counts towards a facet's values when
    /// it would match with that facet's own filter left out.
    private func matches(_ query: SearchQuery) -> (page: [(document: Int32, score: Double, filter: CompiledFilter)], total: Int,
                                                    facets: [Facet: [String: Int]]) {
        let text = textScores(query.text)
        let filter = CompiledFilter(query, self)
        var counts = FacetCounts(self)
        var ranked: [(document: Int32, score: Double)] = []

        func consider(_ document: Int32) {
            guard filter.passesCertification(certifications[Int(document)]) else { return }
            let genreMatches = filter.passesGenres(genres[Int(document)])
            // The other facets' values count only for movies that pass the genre filter.
            let matchesShowtimeFilters = scan(document, filter, countingInto: &counts, counts: genreMatches)
            if matchesShowtimeFilters { counts.countGenres(genres[Int(document)]) }
            guard genreMatches, matchesShowtimeFilters else { return }
            let boost = rankBoosts[Int(document)]
            ranked.append((document, text.map { ($0[document] ?? 0) * (1 + boost) } ?? boost))
        }
        if let text {
            for document in text.keys { consider(document) }
        } else {
            for document in documents.indices { consider(Int32(document)) }
        }

        ranked.sort { $0.score != $1.score ? $0.score > $1.score : idRanks[Int($0.document)] < idRanks[Int($1.document)] }
        let limit = min(max(query.limit, 0), SearchQuery.limitMax)
        let page = ranked.dropFirst(max(query.offset, 0)).prefix(limit).map { ($0.document, $0.score, filter) }
        return (Array(page), ranked.count, counts.result(self))
    }

    /// Whether the document has a showtime passing every showtime filter (or there are none),
    /// adding to `counts` the language, format and city values of the showtimes that pass all
    /// but that facet's filter.
    private func scan(_ document: Int32, _ filter: CompiledFilter, countingInto counts: inout FacetCounts, counts counting: Bool) -> Bool {
        let range = showtimes.ranges[Int(document)]
        if filter.onlyWindowStart, showtimes.firstStarts[Int(document)] >= filter.windowStart ?? .min {
            // Every showtime passes: the document's distinct values are its facet values.
            if counting { counts.countAll(of: Int(document), in: showtimes) }
            return !filter.filtersShowtimes || !range.isEmpty
        }
        let low = filter.windowStart.map { showtimes.firstStarting(atOrAfter: $0, in: range) } ?? range.lowerBound
        let high = filter.before.map { showtimes.firstStarting(atOrAfter: $0, in: low..<range.upperBound) } ?? range.upperBound
        var passesAll = false
        for showtime in low..<high where filter.passesFixedFilters(showtime, showtimes) {
            let misses = filter.facetFiltersMissed(showtime, showtimes)
            if misses == 0 { passesAll = true }
            if counting { counts.count(showtime, of: document, in: showtimes, missing: misses) }
        }
        return passesAll || !filter.filtersShowtimes
    }

    /// The positions (in the document's `showtimes`) of the first `listing` passing every
    /// filter, soonest first, and how many pass in all.
    private func passingShowtimes(of document: Int32, _ filter: CompiledFilter, listing: Int) -> (first: [Int], count: Int) {
        let range = showtimes.ranges[Int(document)]
        let low = filter.windowStart.map { showtimes.firstStarting(atOrAfter: $0, in: range) } ?? range.lowerBound
        let high = filter.before.map { showtimes.firstStarting(atOrAfter: $0, in: low..<range.upperBound) } ?? range.upperBound
        let listed = min(max(listing, 0), SearchQuery.limitMax)
        var first: [Int] = []
        var count = 0
        for showtime in low..<high where filter.passesFixedFilters(showtime, showtimes) && filter.facetFiltersMissed(showtime, showtimes) == 0 {
            if first.count < listed { first.append(Int(showtimes.positions[showtime])) }
            count += 1
        }
        return (first, count)
    }
}

/// A query's filters as tables of allowed codes, made once per search.
struct CompiledFilter {
    static let languageMissed: UInt8 = 1
    static let formatMissed: UInt8 = 2
    static let cityMissed: UInt8 = 4

    let genres: [Bool]?
    let certifications: [Bool]?
    let languages: [Bool]?
    let formats: [Bool]?
    let cities: [Bool]?
    let theatres: [Bool]?
    /// Places within the distance asked for.
    let places: [Bool]?
    let minutes: ClosedRange<Int16>?
    let priceMax: Int64?
    /// The earliest start a showtime may have: the later of `startsFromMs` and `listedFromMs`.
    let windowStart: Int64?
    let before: Int64?
    let filtersShowtimes: Bool
    /// Whether the window's start is the only showtime condition (then a movie whose showtimes
    /// all start after it passes without a scan).
    let onlyWindowStart: Bool

    init(_ query: SearchQuery, _ index: SearchIndex) {
        let table = index.showtimes
        genres = index.genreCodes.allowed(Set(query.genres.map(TextFolding.fold)))
        certifications = index.certificationCodes.allowed(Set(query.certifications.map(TextFolding.fold)))
        languages = table.languageCodes.allowed(Set(query.languages.map(TextFolding.fold)))
        formats = table.formatCodes.allowed(Set(query.formats.map(TextFolding.fold)))
        cities = table.cityCodes.allowed(Set(query.cities.map(TextFolding.fold)))
        theatres = table.theatreCodes.allowed(query.theatreIDs)
        places = query.near.map { circle in
            table.placeLocations.map { place in
                Geography.kilometres(from: (circle.latitude, circle.longitude), to: (place.latitude, place.longitude))
                    <= circle.radiusKilometres
            }
        }
        minutes = query.localMinutes.map { Int16(clamping: $0.lowerBound)...Int16(clamping: $0.upperBound) }
        priceMax = query.lowestPriceAtMostMinor
        windowStart = [query.startsFromMs, query.listedFromMs].compactMap { $0 }.max()
        before = query.startsBeforeMs
        filtersShowtimes = query.filtersShowtimes()
        var others = query
        others.startsFromMs = nil
        onlyWindowStart = !others.filtersShowtimes()
    }

    func passesCertification(_ code: UInt32) -> Bool { certifications?[Int(code)] ?? true }

    func passesGenres(_ codes: [UInt32]) -> Bool {
        guard let genres else { return true }
        return codes.contains { genres[Int($0)] }
    }

    /// The filters that are not facets (theatre, distance, time of day, price); the time window
    /// is applied by the scan's bounds.
    func passesFixedFilters(_ showtime: Int, _ table: ShowtimeTable) -> Bool {
        if let theatres, !theatres[Int(table.theatres[showtime])] { return false }
        if let places, !places[Int(table.places[showtime])] { return false }
        if let minutes, !minutes.contains(table.minutes[showtime]) { return false }
        if let priceMax, table.prices[showtime] > priceMax { return false }
        return true
    }

    /// Which facet filters the showtime misses, as a set of the `…Missed` bits.
    func facetFiltersMissed(_ showtime: Int, _ table: ShowtimeTable) -> UInt8 {
        var missed: UInt8 = 0
        if let languages, !languages[Int(table.languages[showtime])] { missed |= Self.languageMissed }
        if let formats, !formats[Int(table.formats[showtime])] { missed |= Self.formatMissed }
        if let cities, !cities[Int(table.cities[showtime])] { missed |= Self.cityMissed }
        return missed
    }
}

/// Facet counts by value code, each value counted once per movie.
struct FacetCounts {
    private var genres: [Int]
    private var languages: [Int]
    private var formats: [Int]
    private var cities: [Int]
    /// The last document that counted each value, so a value counts once per document.
    private var languageSeen: [Int32]
    private var formatSeen: [Int32]
    private var citySeen: [Int32]

    init(_ index: SearchIndex) {
        let table = index.showtimes
        genres = [Int](repeating: 0, count: index.genreCodes.values.count)
        languages = [Int](repeating: 0, count: table.languageCodes.values.count)
        formats = [Int](repeating: 0, count: table.formatCodes.values.count)
        cities = [Int](repeating: 0, count: table.cityCodes.values.count)
        languageSeen = [Int32](repeating: -1, count: languages.count)
        formatSeen = [Int32](repeating: -1, count: formats.count)
        citySeen = [Int32](repeating: -1, count: cities.count)
    }

    mutating func countGenres(_ codes: [UInt32]) {
        for code in codes { genres[Int(code)] += 1 }
    }

    mutating func countAll(of document: Int, in table: ShowtimeTable) {
        for code in table.distinctLanguages[document] { languages[Int(code)] += 1 }
        for code in table.distinctFormats[document] { formats[Int(code)] += 1 }
        for code in table.distinctCities[document] { cities[Int(code)] += 1 }
    }

    /// Counts the showtime's values for every facet whose filter is the only one it misses (or
    /// it misses none), once per document.
    mutating func count(_ showtime: Int, of document: Int32, in table: ShowtimeTable, missing missed: UInt8) {
        if missed & ~CompiledFilter.languageMissed == 0 { Self.once(table.languages[showtime], document, &languages, &languageSeen) }
        if missed & ~CompiledFilter.formatMissed == 0 { Self.once(table.formats[showtime], document, &formats, &formatSeen) }
        if missed & ~CompiledFilter.cityMissed == 0 { Self.once(table.cities[showtime], document, &cities, &citySeen) }
    }

    private static func once(_ code: UInt32, _ document: Int32, _ counts: inout [Int], _ seen: inout [Int32]) {
        guard seen[Int(code)] != document else { return }
        seen[Int(code)] = document
        counts[Int(code)] += 1
    }

    func result(_ index: SearchIndex) -> [Facet: [String: Int]] {
        func named(_ counts: [Int], _ codes: ShowtimeTable.Codes) -> [String: Int] {
            var named: [String: Int] = [:]
            for (code, count) in counts.enumerated() where count > 0 { named[codes.values[code]] = count }
            return named
        }
        let table = index.showtimes
        return [.genre: named(genres, index.genreCodes), .language: named(languages, table.languageCodes),
                .format: named(formats, table.formatCodes), .city: named(cities, table.cityCodes)]
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
