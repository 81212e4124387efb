import Foundation
import SQLKit

/// What a person did that says what they like, noted by the service where it happened (booking,
/// reviews) in the transaction of the doing: never lost when the doing committed, never noted
/// when it rolled back. The recommendations service keeps it.
public protocol ActivityLog: Sendable {
    /// The rows that note `activity`, for the doing's own transaction or statement.
    func rows(noting activity: PersonActivity) -> RowInsert
}

extension ActivityLog {
    /// Notes `activity` in the caller's transaction.
    public func record(_ activity: PersonActivity, on session: any SQLDatabase) async throws {
        try await rows(noting: activity).run(on: session)
    }
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
    /// The theatre, for a hold or booking (its city is looked up when the signals are learnt
    /// from, so noting it costs the booking no read).
    public var theatreID: String?
    public var at: Date

    public init(userID: String, kind: Kind, movieID: String, rating: Int? = nil, theatreID: String? = nil, at: Date) {
        self.userID = userID
        self.kind = kind
        self.movieID = movieID
        self.rating = rating
        self.theatreID = theatreID
        self.at = at
    }
}
