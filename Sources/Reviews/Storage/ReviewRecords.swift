import BoxOfficeStorage
import Foundation
import SQLKit

/// The reviews service's tables. Released migrations are never edited: add a new one.
public enum ReviewsMigrations {
    public static let set = MigrationSet(component: "reviews", migrations: [
        Migration(1, "reviews and each movie's rating") { database, _ in
            try await database.create(table: "reviews")
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("movie_id", type: .text, .notNull)
                .column("user_id", type: .text, .notNull)
                .column("author_name", type: .text, .notNull)
                .column("rating", type: .int, .notNull)
                .column("title", type: .text)
                .column("body", type: .text, .notNull)
                .column("status", type: .text, .notNull)
                .column("moderation_reason", type: .text)
                .column("moderated_by", type: .text)
                .column("created_at_ms", type: .bigint, .notNull)
                .column("updated_at_ms", type: .bigint, .notNull)
                .unique("movie_id", "user_id")
                .run()
            try await database.create(index: "reviews_movie").on("reviews").column("movie_id").column("status").column("updated_at_ms").run()
            try await database.create(index: "reviews_updated").on("reviews").column("updated_at_ms").run()
            // The sums behind each movie's average, changed in the transaction of every review change.
            try await database.create(table: "movie_ratings")
                .column("movie_id", type: .text, .primaryKey(autoIncrement: false))
                .column("review_count", type: .bigint, .notNull)
                .column("rating_sum", type: .bigint, .notNull)
                .run()
        },
    ])
}

struct ReviewRow: Codable, Sendable {
    var id: String
    var movieId: String
    var userId: String
    var authorName: String
    var rating: Int
    var title: String?
    var body: String
    var status: String
    var moderationReason: String?
    var moderatedBy: String?
    var createdAtMs: Int64
    var updatedAtMs: Int64

    enum CodingKeys: String, CodingKey {
        case id, rating, title, body, status
        case movieId = "movie_id", userId = "user_id", authorName = "author_name", moderationReason = "moderation_reason"
        case moderatedBy = "moderated_by", createdAtMs = "created_at_ms", updatedAtMs = "updated_at_ms"
    }

    var isCounted: Bool { status == Review.Status.published.rawValue }

    func review() -> Review {
        Review(id: id, movieId: movieId, authorName: authorName, rating: rating, title: title, body: body,
               status: Review.Status(rawValue: status) ?? .hidden, moderationReason: moderationReason,
               createdAt: Date(millisecondsSince1970: createdAtMs), updatedAt: Date(millisecondsSince1970: updatedAtMs))
    }
}

enum ReviewRecords {
    static func find(movieID: String, userID: String, on session: any SQLDatabase) async throws -> ReviewRow? {
        try await session.select().column("*").from("reviews")
            .where("movie_id", .equal, movieID).where("user_id", .equal, userID).first(decoding: ReviewRow.self)
    }

    static func find(id: String, on session: any SQLDatabase) async throws -> ReviewRow? {
        try await session.select().column("*").from("reviews").where("id", .equal, id).first(decoding: ReviewRow.self)
    }

    static func insert(_ row: ReviewRow, on session: any SQLDatabase) async throws {
        try await session.insert(into: "reviews").model(row).run()
    }

    static func update(_ row: ReviewRow, on session: any SQLDatabase) async throws {
        try await session.update("reviews").set(model: row, nilEncodingStrategy: .asNil).where("id", .equal, row.id).run()
    }

    /// Every review a person wrote, whatever its status. A person writes one per movie they saw.
    static func all(userID: String, on session: any SQLDatabase) async throws -> [ReviewRow] {
        try await session.select().column("*").from("reviews").where("user_id", .equal, userID)
            .orderBy("created_at_ms").all(decoding: ReviewRow.self)
    }

    static func delete(id: String, on session: any SQLDatabase) async throws {
        try await session.delete(from: "reviews").where("id", .equal, id).run()
    }

    /// Moves a movie's sums from counting `old` to counting `new` (either may be nil: none, or
    /// not counted), in the caller's transaction.
    static func adjustRating(movieID: String, from old: ReviewRow?, to new: ReviewRow?, on session: any SQLDatabase) async throws {
        let countDelta = (new?.isCounted == true ? 1 : 0) - (old?.isCounted == true ? 1 : 0)
        let sumDelta = (new?.isCounted == true ? new!.rating : 0) - (old?.isCounted == true ? old!.rating : 0)
        guard countDelta != 0 || sumDelta != 0 else { return }
        try await session.insert(into: "movie_ratings").columns("movie_id", "review_count", "rating_sum")
            .values(SQLBind(movieID), SQLBind(Int64(0)), SQLBind(Int64(0)))
            .ignoringConflicts(with: ["movie_id"]).run()
        try await session.update("movie_ratings")
            .set(SQLColumn("review_count"), to: SQLBinaryExpression(SQLColumn("review_count"), .add, SQLBind(Int64(countDelta))))
            .set(SQLColumn("rating_sum"), to: SQLBinaryExpression(SQLColumn("rating_sum"), .add, SQLBind(Int64(sumDelta))))
            .where("movie_id", .equal, movieID).run()
    }

    static func rating(movieID: String, on session: any SQLDatabase) async throws -> (count: Int64, sum: Int64)? {
        guard let row = try await session.select().column("review_count").column("rating_sum").from("movie_ratings")
            .where("movie_id", .equal, movieID).first()
        else { return nil }
        return (try row.decode(column: "review_count", as: Int64.self), try row.decode(column: "rating_sum", as: Int64.self))
    }

    static func published(movieID: String, limit: Int, offset: Int, on session: any SQLDatabase) async throws -> [ReviewRow] {
        try await session.select().column("*").from("reviews")
            .where("movie_id", .equal, movieID).where("status", .equal, Review.Status.published.rawValue)
            .orderBy("updated_at_ms", .descending).orderBy("id").limit(limit).offset(offset)
            .all(decoding: ReviewRow.self)
    }

    /// The newest reviews of every movie, for moderators.
    static func newest(status: Review.Status?, limit: Int, offset: Int, on session: any SQLDatabase) async throws -> [ReviewRow] {
        var query = session.select().column("*").from("reviews")
        if let status { query = query.where("status", .equal, status.rawValue) }
        return try await query.orderBy("updated_at_ms", .descending).orderBy("id").limit(limit).offset(offset)
            .all(decoding: ReviewRow.self)
    }
}
