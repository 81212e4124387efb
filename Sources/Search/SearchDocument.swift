/// A movie as search sees it: the words people type, the facets they filter by, and the
/// showtimes that make it bookable.
public struct SearchDocument: Sendable, Equatable {
    public var movieID: String
    public var title: String
    public var originalTitle: String?
    public var cast: [String]
    public var genres: [String]
    public var certification: String
    /// Days since 1970-01-01 of the release (recency is ranked on it).
    public var releaseDay: Int
    /// Bookings of the last week, or any other measure of demand (ranked on).
    public var popularity: Double
    public var showtimes: [SearchShowtime]

    public init(movieID: String, title: String, originalTitle: String? = nil, cast: [String] = [], genres: [String] = [],
                certification: String = "U", releaseDay: Int = 0, popularity: Double = 0, showtimes: [SearchShowtime] = []) {
        self.movieID = movieID
        self.title = title
        self.originalTitle = originalTitle
        self.cast = cast
        self.genres = genres
        self.certification = certification
        self.releaseDay = releaseDay
        self.popularity = popularity
        self.showtimes = showtimes
    }
}

public struct SearchShowtime: Sendable, Equatable {
    public var showtimeID: String
    public var theatreID: String
    public var city: String
    public var latitude: Double
    public var longitude: Double
    /// Start, in milliseconds since 1970 (UTC).
    public var startsAtMs: Int64
    /// Start, in minutes after midnight in the theatre's own time zone (for "evening" filters).
    public var localMinuteOfDay: Int
    public var language: String
    public var format: String
    /// The lowest seat price, in minor units of the currency.
    public var lowestPriceMinor: Int64

    public init(showtimeID: String, theatreID: String, city: String, latitude: Double, longitude: Double,
                startsAtMs: Int64, localMinuteOfDay: Int, language: String, format: String, lowestPriceMinor: Int64) {
        self.showtimeID = showtimeID
        self.theatreID = theatreID
        self.city = city
        self.latitude = latitude
        self.longitude = longitude
        self.startsAtMs = startsAtMs
        self.localMinuteOfDay = localMinuteOfDay
        self.language = language
        self.format = format
        self.lowestPriceMinor = lowestPriceMinor
    }
}
