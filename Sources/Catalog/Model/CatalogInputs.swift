import Foundation

/// A movie as an admin sends it.
public struct MovieInput: Decodable, Sendable {
    public var title: String
    public var originalTitle: String?
    public var synopsis: String
    public var genres: [String]
    public var languages: [String]
    public var formats: [String]
    public var runtimeMinutes: Int
    public var certification: String
    public var releaseDate: String
    public var cast: [CastMember]?
    public var posterUrl: String?
    public var trailerUrl: String?

    public init(title: String, originalTitle: String?, synopsis: String, genres: [String], languages: [String], formats: [String],
                runtimeMinutes: Int, certification: String, releaseDate: String, cast: [CastMember]?, posterUrl: String?,
                trailerUrl: String?) {
        self.title = title
        self.originalTitle = originalTitle
        self.synopsis = synopsis
        self.genres = genres
        self.languages = languages
        self.formats = formats
        self.runtimeMinutes = runtimeMinutes
        self.certification = certification
        self.releaseDate = releaseDate
        self.cast = cast
        self.posterUrl = posterUrl
        self.trailerUrl = trailerUrl
    }

    func validated(id: String) throws(CatalogError) -> Movie {
        guard CatalogRules.runtimeMinutes.contains(runtimeMinutes) else {
            throw .invalidField(field: "runtimeMinutes", message: "must be 1 to 600")
        }
        let cast = self.cast ?? []
        guard cast.count <= CatalogRules.castMax else { throw .invalidField(field: "cast", message: "must list at most 100 people") }
        var members: [CastMember] = []
        for (index, member) in cast.enumerated() {
            members.append(CastMember(name: try CatalogRules.text(member.name, field: "cast/\(index)/name", max: 100),
                                      role: try CatalogRules.text(member.role, field: "cast/\(index)/role", max: 100, allowEmpty: true)))
        }
        let languages = try CatalogRules.list(self.languages, field: "languages")
        let formats = try CatalogRules.list(self.formats, field: "formats")
        guard !languages.isEmpty else { throw .invalidField(field: "languages", message: "must name at least one language") }
        guard !formats.isEmpty else { throw .invalidField(field: "formats", message: "must name at least one format") }
        return Movie(
            id: id, title: try CatalogRules.text(title, field: "title", max: CatalogRules.titleScalarsMax),
            originalTitle: try originalTitle.map { text throws(CatalogError) in
                try CatalogRules.text(text, field: "originalTitle", max: CatalogRules.titleScalarsMax)
            },
            synopsis: try CatalogRules.text(synopsis, field: "synopsis", max: CatalogRules.synopsisScalarsMax, allowEmpty: true),
            genres: try CatalogRules.list(genres, field: "genres"), languages: languages, formats: formats,
            runtimeMinutes: runtimeMinutes, certification: try CatalogRules.text(certification, field: "certification", max: 10),
            releaseDate: try CatalogRules.date(releaseDate, field: "releaseDate"), cast: members,
            posterUrl: try CatalogRules.url(posterUrl, field: "posterUrl"), trailerUrl: try CatalogRules.url(trailerUrl, field: "trailerUrl"))
    }
}

/// A theatre as an admin sends it.
public struct TheatreInput: Decodable, Sendable {
    public var id: String
    public var chain: String
    public var name: String
    public var address: String
    public var city: String
    public var latitude: Double
    public var longitude: Double
    public var timeZone: String
    public var amenities: [String]?
    /// The default policy when absent.
    public var cancellationPolicy: CancellationPolicy?

    public init(id: String, chain: String, name: String, address: String, city: String, latitude: Double, longitude: Double,
                timeZone: String, amenities: [String]?, cancellationPolicy: CancellationPolicy? = nil) {
        self.id = id
        self.chain = chain
        self.name = name
        self.address = address
        self.city = city
        self.latitude = latitude
        self.longitude = longitude
        self.timeZone = timeZone
        self.amenities = amenities
        self.cancellationPolicy = cancellationPolicy
    }

    func validated() throws(CatalogError) -> Theatre {
        let policy = cancellationPolicy ?? CancellationPolicy()
        guard (0...CancellationPolicy.cutoffMinutesMax).contains(policy.cutoffMinutes) else {
            throw .invalidField(field: "cancellationPolicy.cutoffMinutes", message: "must be 0 to \(CancellationPolicy.cutoffMinutesMax)")
        }
        guard (0...CancellationPolicy.feeBasisPointsMax).contains(policy.feeBasisPoints) else {
            throw .invalidField(field: "cancellationPolicy.feeBasisPoints", message: "must be 0 to \(CancellationPolicy.feeBasisPointsMax)")
        }
        guard (-90...90).contains(latitude) else { throw .invalidField(field: "latitude", message: "must be -90 to 90") }
        guard (-180...180).contains(longitude) else { throw .invalidField(field: "longitude", message: "must be -180 to 180") }
        guard timeZone.utf8.count <= 64, TimeZone(identifier: timeZone) != nil else {
            throw .invalidField(field: "timeZone", message: "must be an IANA time zone such as Asia/Kolkata")
        }
        return Theatre(
            id: try CatalogRules.theatreID(id), chain: try CatalogRules.text(chain, field: "chain", max: 100),
            name: try CatalogRules.text(name, field: "name", max: 100), address: try CatalogRules.text(address, field: "address", max: 300),
            city: try CatalogRules.text(city, field: "city", max: 100), latitude: latitude, longitude: longitude, timeZone: timeZone,
            amenities: try CatalogRules.list(amenities ?? [], field: "amenities"), cancellationPolicy: policy)
    }
}

/// A showtime as staff schedule it.
public struct ShowtimeInput: Decodable, Sendable {
    public var movieId: String
    public var screenId: String
    public var startsAt: Date
    public var language: String
    public var format: String
    /// Price per seat category id, in minor units.
    public var prices: [String: Int64]
    /// ISO 4217, such as INR.
    public var currency: String

    public init(movieId: String, screenId: String, startsAt: Date, language: String, format: String, prices: [String: Int64],
                currency: String) {
        self.movieId = movieId
        self.screenId = screenId
        self.startsAt = startsAt
        self.language = language
        self.format = format
        self.prices = prices
        self.currency = currency
    }

    func validated(id: String, movie: Movie, screen: Screen, now: Date) throws(CatalogError) -> Showtime {
        guard startsAt > now else { throw .invalidField(field: "startsAt", message: "must be in the future") }
        guard startsAt.timeIntervalSince(now) < 366 * 86_400 else {
            throw .invalidField(field: "startsAt", message: "must be within a year")
        }
        guard let language = movie.languages.first(where: { $0.caseInsensitiveCompare(language) == .orderedSame }) else {
            throw .invalidField(field: "language", message: "must be one of the movie's languages: \(movie.languages.joined(separator: ", "))")
        }
        guard let format = movie.formats.first(where: { $0.caseInsensitiveCompare(format) == .orderedSame }) else {
            throw .invalidField(field: "format", message: "must be one of the movie's formats: \(movie.formats.joined(separator: ", "))")
        }
        let categories = Set(screen.categories.map(\.id))
        guard Set(prices.keys) == categories else {
            throw .invalidField(field: "prices", message: "must price exactly the screen's categories: \(categories.sorted().joined(separator: ", "))")
        }
        guard prices.values.allSatisfy({ (0...CatalogRules.priceMinorMax).contains($0) }) else {
            throw .invalidField(field: "prices", message: "must be 0 to \(CatalogRules.priceMinorMax) minor units")
        }
        guard currency.utf8.count == 3, currency.utf8.allSatisfy({ (0x41...0x5A).contains($0) }) else {
            throw .invalidField(field: "currency", message: "must be an ISO 4217 code such as INR")
        }
        let start = Date(millisecondsSince1970: startsAt.millisecondsSince1970)
        return Showtime(id: id, movieId: movie.id, theatreId: screen.theatreId, screenId: screen.id, startsAt: start,
                        endsAt: start.addingTimeInterval(TimeInterval(movie.runtimeMinutes * 60)), language: language,
                        format: format, prices: prices, currency: currency, status: .scheduled)
    }
}
