import BoxOfficeStorage
import Foundation
import Recommender

/// A signal as an app sends it. Apps report what people look at and search for and what they
/// say they do not want; holds, bookings and ratings are recorded by the services where they
/// happen, so no client can claim them.
public struct SignalInput: Decodable, Sendable, Equatable {
    public var kind: String
    public var movieId: String?
    /// The movies an impression showed.
    public var movieIds: [String]?
    /// A search's words.
    public var query: String?
    /// Where it happened ("home", "movie", "search", ...).
    public var surface: String?
    public var city: String?

    public init(kind: String, movieId: String? = nil, movieIds: [String]? = nil, query: String? = nil, surface: String? = nil,
                city: String? = nil) {
        self.kind = kind
        self.movieId = movieId
        self.movieIds = movieIds
        self.query = query
        self.surface = surface
        self.city = city
    }

    /// Kinds an app may report.
    static let reportable: [SignalKind] = [.impression, .detailView, .search, .dismissal]
    /// Movies one impression may list.
    static let impressionMoviesMax = 50
    static let surfaceCharactersMax = 32
    static let cityCharactersMax = 100

    /// The signal as stored, or the first field (JSON pointer under `pointer`) that is not
    /// acceptable. `knownMovie` says whether a movie id is in the catalog.
    func row(userID: String, at now: Date, pointer: String, knownMovie: (String) -> Bool) throws(RecommendationError) -> SignalRow {
        guard let kind = SignalKind(rawValue: kind), Self.reportable.contains(kind) else {
            throw .invalidField("\(pointer)/kind", "must be one of \(Self.reportable.map(\.rawValue).joined(separator: ", "))")
        }
        var details = SignalDetails()
        var movieID: String?
        switch kind {
        case .detailView, .dismissal:
            guard let movieId else { throw .invalidField("\(pointer)/movieId", "is required for \(kind.rawValue)") }
            guard knownMovie(movieId) else { throw .invalidField("\(pointer)/movieId", "no such movie") }
            movieID = movieId
        case .impression:
            guard let movieIds, (1...Self.impressionMoviesMax).contains(movieIds.count) else {
                throw .invalidField("\(pointer)/movieIds", "must list 1 to \(Self.impressionMoviesMax) movies")
            }
            if let unknown = movieIds.firstIndex(where: { !knownMovie($0) }) {
                throw .invalidField("\(pointer)/movieIds/\(unknown)", "no such movie")
            }
            details.movieIds = movieIds
        case .search:
            let text = query?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            guard (1...RecommendationsConfiguration.queryCharactersMax).contains(text.count) else {
                throw .invalidField("\(pointer)/query", "must be 1 to \(RecommendationsConfiguration.queryCharactersMax) characters")
            }
            details.query = text
        case .hold, .booking, .rating:
            throw .invalidField("\(pointer)/kind", "is recorded by the box office itself")
        }
        if let surface, surface.count > Self.surfaceCharactersMax {
            throw .invalidField("\(pointer)/surface", "must be at most \(Self.surfaceCharactersMax) characters")
        }
        details.surface = surface
        if let city, city.isEmpty || city.count > Self.cityCharactersMax {
            throw .invalidField("\(pointer)/city", "must be 1 to \(Self.cityCharactersMax) characters")
        }
        return SignalRow(
            id: UUID.timeOrderedID(), userId: userID, kind: kind.rawValue, movieId: movieID, city: city, theatreId: nil,
            occurredAtMs: now.millisecondsSince1970, payload: JSONColumn.text(details))
    }
}
