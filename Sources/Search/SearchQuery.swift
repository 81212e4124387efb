/// What a person asks for: words (any may be mistyped, the last may be unfinished) and filters.
/// Empty sets and nil bounds filter nothing.
public struct SearchQuery: Sendable, Equatable {
    public static let limitMax = 100
    public static let textCharactersMax = 200

    public var text: String = ""
    public var genres: Set<String> = []
    public var certifications: Set<String> = []
    public var languages: Set<String> = []
    public var formats: Set<String> = []
    public var cities: Set<String> = []
    public var theatreIDs: Set<String> = []
    /// Showtimes starting at or after this (milliseconds since 1970).
    public var startsFromMs: Int64?
    /// Showtimes starting before this.
    public var startsBeforeMs: Int64?
    /// Showtimes starting before this are left out of hits and facets, but unlike
    /// `startsFromMs` a movie needs no showtime to match (a search with no date sets it to now:
    /// the index may still hold showtimes that began since it was built).
    public var listedFromMs: Int64?
    /// Showtimes starting within these minutes of the local day (e.g. 1020...1439 for evening).
    public var localMinutes: ClosedRange<Int>?
    public var lowestPriceAtMostMinor: Int64?
    public var near: Circle?
    public var offset = 0
    public var limit = 20
    /// Showtimes listed per hit, soonest first (a hit counts them all); at most `limitMax`.
    public var showtimesPerHit = 20

    public init() {}

    public struct Circle: Sendable, Equatable {
        public var latitude: Double
        public var longitude: Double
        public var radiusKilometres: Double
        public init(latitude: Double, longitude: Double, radiusKilometres: Double) {
            self.latitude = latitude
            self.longitude = longitude
            self.radiusKilometres = radiusKilometres
        }
    }

    /// Whether any filter concerns showtimes (then a movie needs a matching showtime to match),
    /// leaving out `facet`'s own filter when one is named.
    func filtersShowtimes(excluding facet: Facet? = nil) -> Bool {
        (facet != .language && !languages.isEmpty) || (facet != .format && !formats.isEmpty)
            || (facet != .city && !cities.isEmpty) || !theatreIDs.isEmpty || startsFromMs != nil
            || startsBeforeMs != nil || localMinutes != nil || lowestPriceAtMostMinor != nil || near != nil
    }
}

/// The facets counted for every search.
public enum Facet: String, Sendable, CaseIterable, Hashable {
    case genre, language, format, city
}

public struct SearchResult: Sendable, Equatable {
    public struct Hit: Sendable, Equatable {
        public var movieID: String
        public var score: Double
        /// The first `showtimesPerHit` matching showtimes, soonest first.
        public var showtimes: [SearchShowtime]
        /// Matching showtimes in all.
        public var showtimeCount: Int
    }

    public var hits: [Hit]
    /// Matching movies in all (the hits are one page of them).
    public var total: Int
    /// Per facet, per value: matching movies, counted as if that facet's own filter were not set
    /// (so a person sees what choosing another value would give).
    public var facets: [Facet: [String: Int]]
}
