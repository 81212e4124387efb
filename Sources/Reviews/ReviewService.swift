import BoxOfficeStorage
import Catalog
import Foundation

/// Ratings and reviews: written by people who saw the movie here (a confirmed booking whose
/// showtime began), one per person and movie, editable by their author, hidden or restored by
/// staff. Each movie's count and sum change in the transaction of the review change, so its
/// average is always that of its published reviews.
public final class ReviewService: MovieRatings {
    /// Reviews per page.
    public static let pageSizeMax = 100

    let database: Database
    let catalog: CatalogService
    /// Whether the person saw the movie here (the booking service answers).
    let hasSeen: @Sendable (_ userID: String, _ movieID: String) async throws -> Bool
    /// The person's name as reviews show it (the accounts service answers).
    let authorName: @Sendable (_ userID: String) async throws -> String
    let now: @Sendable () -> Date
    /// Where people's ratings are noted (for recommendations).
    let activity: (any ActivityLog)?

    public init(
        database: Database, catalog: CatalogService,
        hasSeen: @escaping @Sendable (_ userID: String, _ movieID: String) async throws -> Bool,
        authorName: @escaping @Sendable (_ userID: String) async throws -> String,
        activity: (any ActivityLog)? = nil, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.activity = activity
        self.database = database
        self.catalog = catalog
        self.hasSeen = hasSeen
        self.authorName = authorName
        self.now = now
    }

    /// Writes the person's review of the movie, or changes it; returns it and whether it is new.
    /// An edit of a hidden review publishes it again, for staff to look at anew.
    public func write(userID: String, movieID: String, _ input: ReviewInput) async throws -> (review: Review, isNew: Bool) {
        let review = try input.validated()
        guard catalog.movies(ids: [movieID])[movieID] != nil else { throw ReviewError.movieNotFound }
        guard try await hasSeen(userID, movieID) else { throw ReviewError.notSeen }
        let name = String(try await authorName(userID).split(separator: " ").first ?? "Someone")
        let nowMs = now().millisecondsSince1970
        return try await database.transaction { session in
            let existing = try await ReviewRecords.find(movieID: movieID, userID: userID, on: session)
            var row = existing ?? ReviewRow(
                id: UUID.timeOrderedID(), movieId: movieID, userId: userID, authorName: name, rating: review.rating,
                title: nil, body: "", status: Review.Status.published.rawValue, moderationReason: nil, moderatedBy: nil,
                createdAtMs: nowMs, updatedAtMs: nowMs)
            row.authorName = name
            row.rating = review.rating
            row.title = review.title
            row.body = review.body
            row.status = Review.Status.published.rawValue
            row.moderationReason = nil
            row.updatedAtMs = nowMs
            if existing == nil {
                try await ReviewRecords.insert(row, on: session)
            } else {
                try await ReviewRecords.update(row, on: session)
            }
            try await ReviewRecords.adjustRating(movieID: movieID, from: existing, to: row, on: session)
            try await self.activity?.record(
                PersonActivity(userID: userID, kind: .rating, movieID: movieID, rating: review.rating,
                               at: Date(millisecondsSince1970: nowMs)), on: session)
            return (row.review(), existing == nil)
        }
    }

    public func ownReview(userID: String, movieID: String) async throws -> Review {
        guard let row = try await database.withReadSession({ try await ReviewRecords.find(movieID: movieID, userID: userID, on: $0) })
        else { throw ReviewError.reviewNotFound }
        return row.review()
    }

    public func deleteReview(userID: String, movieID: String) async throws {
        try await database.transaction { session in
            guard let existing = try await ReviewRecords.find(movieID: movieID, userID: userID, on: session) else {
                throw ReviewError.reviewNotFound
            }
            try await ReviewRecords.delete(id: existing.id, on: session)
            try await ReviewRecords.adjustRating(movieID: movieID, from: existing, to: nil, on: session)
        }
    }

    /// A movie's rating and a page of its published reviews, newest first.
    public func reviews(movieID: String, limit: Int, offset: Int) async throws -> (rating: MovieRating?, reviews: [Review]) {
        guard catalog.movies(ids: [movieID])[movieID] != nil else { throw ReviewError.movieNotFound }
        return try await database.withReadSession { session in
            let rows = try await ReviewRecords.published(movieID: movieID, limit: limit, offset: offset, on: session)
            return (Self.rating(try await ReviewRecords.rating(movieID: movieID, on: session)), rows.map { $0.review() })
        }
    }

    public func rating(of movieID: String) async throws -> MovieRating? {
        Self.rating(try await database.withReadSession { try await ReviewRecords.rating(movieID: movieID, on: $0) })
    }

    static func rating(_ sums: (count: Int64, sum: Int64)?) -> MovieRating? {
        guard let sums, sums.count > 0 else { return nil }
        return MovieRating(average: (Double(sums.sum) / Double(sums.count) * 10).rounded() / 10, count: Int(sums.count))
    }

    /// Hides a review (with the reason its author will see) or publishes it again.
    /// A moderation reason is at most this long.
    public static let reasonCharactersMax = 300

    public func moderate(reviewID: String, status: Review.Status, reason: String?, moderatorID: String) async throws -> Review {
        if let reason, reason.count > Self.reasonCharactersMax {
            throw ReviewError.invalidField("/reason", "must be at most \(Self.reasonCharactersMax) characters")
        }
        let nowMs = now().millisecondsSince1970
        return try await database.transaction { session in
            guard let existing = try await ReviewRecords.find(id: reviewID, on: session) else { throw ReviewError.reviewNotFound }
            var row = existing
            row.status = status.rawValue
            row.moderationReason = status == .hidden ? reason : nil
            row.moderatedBy = moderatorID
            row.updatedAtMs = nowMs
            try await ReviewRecords.update(row, on: session)
            try await ReviewRecords.adjustRating(movieID: row.movieId, from: existing, to: row, on: session)
            return row.review()
        }
    }

    /// The newest reviews of every movie (of one status, if given), for moderators.
    public func moderationQueue(status: Review.Status?, limit: Int, offset: Int) async throws -> [Review] {
        try await database.withReadSession { session in
            try await ReviewRecords.newest(status: status, limit: limit, offset: offset, on: session).map { $0.review() }
        }
    }
}
