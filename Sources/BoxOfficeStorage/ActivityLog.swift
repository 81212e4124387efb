import Foundation
import SQLKit

/// What a person did that says what they like, noted by the service where it happened (booking,
/// reviews) in the transaction of the doing: never lost when the doing committed, never noted
/// when it rolled back. The recommendations service keeps it.
public protocol ActivityLog: Sendable {
    func record(_ activity: PersonActivity, on session: any SQLDatabase) async throws
}

public struct PersonActivity: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case hold, booking, rating
    }

    public var userID: String
    public var kind: Kind
    public var movieID: String
    /// One to five stars, for a rating.
    public var rating: Int?
    /// The city of the theatre, for a hold or booking.
    public var city: String?
    public var at: Date

    public init(userID: String, kind: Kind, movieID: String, rating: Int? = nil, city: String? = nil, at: Date) {
        self.userID = userID
        self.kind = kind
        self.movieID = movieID
        self.rating = rating
        self.city = city
        self.at = at
    }
}
