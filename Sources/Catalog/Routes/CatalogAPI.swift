import Foundation
import Hummingbird
import Search

/// The JSON shapes of the catalog routes.
public enum CatalogAPI {
    public struct MovieDetails: ResponseCodable, Sendable {
        public var movie: Movie
        /// From published reviews; absent while there are none.
        public var rating: MovieRating?
        /// Showtimes by local date of the theatre, then by theatre.
        public var schedule: [Day]

        public struct Day: Codable, Sendable {
            public var date: String
            public var theatres: [TheatreShowtimes]
        }

        public struct TheatreShowtimes: Codable, Sendable {
            public var theatre: Theatre
            public var showtimes: [Showtime]
        }
    }

    public struct SearchResponse: ResponseCodable, Sendable {
        public var total: Int
        public var hits: [Hit]
        public var facets: [String: [String: Int]]

        public struct Hit: Codable, Sendable {
            public var movie: MovieSummary
            /// The first matching showtimes, soonest first.
            public var showtimes: [HitShowtime]
            /// Matching showtimes in all.
            public var showtimeCount: Int
        }

        public struct HitShowtime: Codable, Sendable {
            public var id: String
            public var theatreId: String
            public var city: String
            public var startsAt: Date
            public var language: String
            public var format: String
            public var lowestPriceMinor: Int64
        }
    }

    public struct Listing: ResponseCodable, Sendable {
        /// One page of them (`offset`, `limit`).
        public var nowShowing: [MovieSummary]
        /// Movies playing in all.
        public var nowShowingTotal: Int
        public var comingSoon: [MovieSummary]
    }

    public struct Theatres: ResponseCodable, Sendable {
        public var theatres: [Theatre]
    }

    public struct TheatreDetails: ResponseCodable, Sendable {
        public var theatre: Theatre
        public var screens: [Screen]
        public var showtimes: [Showtime]
    }

    public struct Suggestions: ResponseCodable, Sendable {
        public var suggestions: [String]
    }
}

extension Movie: ResponseCodable {}
extension Theatre: ResponseCodable {}
extension Screen: ResponseCodable {}
extension Showtime: ResponseCodable {}
