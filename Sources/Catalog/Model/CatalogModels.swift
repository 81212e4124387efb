import Foundation

/// A film as the catalog lists it.
public struct Movie: Sendable, Equatable, Codable {
    public var id: String
    public var title: String
    public var originalTitle: String?
    public var synopsis: String
    public var genres: [String]
    public var languages: [String]
    /// Such as 2D, 3D, IMAX.
    public var formats: [String]
    public var runtimeMinutes: Int
    /// The certificate (U, UA, A, …).
    public var certification: String
    /// `YYYY-MM-DD`.
    public var releaseDate: String
    public var cast: [CastMember]
    public var posterUrl: String?
    public var trailerUrl: String?
}

/// What a list of movies shows of each: enough to choose one, without the synopsis and cast
/// (those are on the movie's own page).
public struct MovieSummary: Sendable, Equatable, Codable {
    public var id: String
    public var title: String
    public var genres: [String]
    public var languages: [String]
    public var formats: [String]
    public var runtimeMinutes: Int
    public var certification: String
    public var releaseDate: String
    public var posterUrl: String?

    public init(_ movie: Movie) {
        id = movie.id
        title = movie.title
        genres = movie.genres
        languages = movie.languages
        formats = movie.formats
        runtimeMinutes = movie.runtimeMinutes
        certification = movie.certification
        releaseDate = movie.releaseDate
        posterUrl = movie.posterUrl
    }
}

public struct CastMember: Sendable, Equatable, Codable {
    public var name: String
    /// The character played, or the crew role ("Director").
    public var role: String

    public init(name: String, role: String) {
        self.name = name
        self.role = role
    }
}

public struct Theatre: Sendable, Equatable, Codable {
    /// A readable id, 1 to 64 lowercase letters, digits and dashes (the one staff roles name).
    public var id: String
    public var chain: String
    public var name: String
    public var address: String
    public var city: String
    public var latitude: Double
    public var longitude: Double
    /// The IANA time zone its showtimes are local to.
    public var timeZone: String
    public var amenities: [String]
    /// Until when its bookings may be cancelled, and what it keeps.
    public var cancellationPolicy: CancellationPolicy
}

/// An auditorium of a theatre; its seats are a layout held by the seat server.
public struct Screen: Sendable, Equatable, Codable {
    public var id: String
    public var theatreId: String
    public var name: String
    public var seatCount: Int
    /// The seat categories of its layout, by id, with their names.
    public var categories: [SeatCategory]
}

public struct SeatCategory: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
}

public struct Showtime: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable {
        case scheduled, cancelled
    }

    public var id: String
    public var movieId: String
    public var theatreId: String
    public var screenId: String
    public var startsAt: Date
    public var endsAt: Date
    public var language: String
    public var format: String
    /// Price per seat category, in minor units of `currency`.
    public var prices: [String: Int64]
    public var currency: String
    public var status: Status
}
