import BoxOfficeStorage
import Foundation
import Recommender
import SQLKit

/// The recommendations service's table. Released migrations are never edited: add a new one.
public enum RecommendationsMigrations {
    public static let set = MigrationSet(component: "recommendations", migrations: [
        Migration(1, "signals: what people did, one row each, details as JSON") { database, _ in
            try await database.create(table: "recommendation_signals")
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("user_id", type: .text, .notNull)
                .column("kind", type: .text, .notNull)
                .column("movie_id", type: .text)
                .column("city", type: .text)
                .column("theatre_id", type: .text)
                .column("occurred_at_ms", type: .bigint, .notNull)
                .column("payload", type: .text, .notNull)
                .run()
            // A person's latest signals (every answer reads them) and their erasure.
            try await database.create(index: "recommendation_signals_user").on("recommendation_signals")
                .column("user_id").column("occurred_at_ms").run()
            // The rebuild's scan in time order, and the retention sweep.
            try await database.create(index: "recommendation_signals_time").on("recommendation_signals")
                .column("occurred_at_ms").column("id").run()
        },
    ])
}

/// One stored signal. What differs by kind (a rating's stars, a search's words, the movies an
/// impression showed) is in `payload`, JSON text, so a new kind of signal needs no migration.
struct SignalRow: Codable, Sendable, Equatable {
    var id: String
    var userId: String
    var kind: String
    var movieId: String?
    var city: String?
    /// Where a hold or booking was made; the rebuild takes its city from the catalog.
    var theatreId: String?
    var occurredAtMs: Int64
    var payload: String

    enum CodingKeys: String, CodingKey {
        case id, kind, city, payload
        case userId = "user_id", movieId = "movie_id", theatreId = "theatre_id", occurredAtMs = "occurred_at_ms"
    }

    var details: SignalDetails { (try? JSONColumn.value(SignalDetails.self, from: payload)) ?? SignalDetails() }
}

/// The kind-specific part of a signal.
struct SignalDetails: Codable, Sendable, Equatable {
    var rating: Int?
    /// A search's words, as typed.
    var query: String?
    /// The movies an impression showed, in order.
    var movieIds: [String]?
    /// Where it was shown ("home", "movie", "order").
    var surface: String?
}

enum SignalRecords {
    static let table = "recommendation_signals"

    static func insert(_ rows: [SignalRow], on session: any SQLDatabase) async throws {
        try await self.rows(rows).run(on: session)
    }

    static func rows(_ rows: [SignalRow]) -> RowInsert {
        RowInsert(
            into: table,
            columns: [.init("id", "text"), .init("user_id", "text"), .init("kind", "text"), .init("movie_id", "text"),
                      .init("city", "text"), .init("theatre_id", "text"), .init("occurred_at_ms", "bigint"), .init("payload", "text")],
            rows: rows.map { [$0.id, $0.userId, $0.kind, $0.movieId, $0.city, $0.theatreId, $0.occurredAtMs, $0.payload] })
    }

    /// A person's latest `limit` signals but impressions, newest first (impressions say nothing
    /// of the person's taste, and would crowd out what does).
    static func latest(userID: String, limit: Int, on session: any SQLDatabase) async throws -> [SignalRow] {
        try await session.select().column("*").from(table).where("user_id", .equal, userID)
            .where("kind", .notEqual, SignalKind.impression.rawValue)
            .orderBy("occurred_at_ms", .descending).orderBy("id", .descending).limit(limit).all(decoding: SignalRow.self)
    }

    /// One page of the signals after (`afterMs`, `afterID`) in time order, of the kinds the models learn from.
    static func page(afterMs: Int64, afterID: String, kinds: [String], limit: Int, on session: any SQLDatabase) async throws -> [SignalRow] {
        try await session.select().column("*").from(table)
            .where("kind", .in, kinds)
            // A row-value comparison, which both engines answer from the (time, id) index.
            .where(SQLBinaryExpression(
                SQLGroupExpression([SQLColumn("occurred_at_ms"), SQLColumn("id")]), .greaterThan,
                SQLGroupExpression([SQLBind(afterMs), SQLBind(afterID)])))
            .orderBy("occurred_at_ms").orderBy("id").limit(limit).all(decoding: SignalRow.self)
    }

    /// Where a scan must start to read only the newest `count` signals of `kinds`: just after the
    /// one before them, or nil when there are no more than `count`.
    static func startOfNewest(_ count: Int, kinds: [String], on session: any SQLDatabase) async throws -> (ms: Int64, id: String)? {
        guard let row = try await session.select().columns("occurred_at_ms", "id").from(table).where("kind", .in, kinds)
            .orderBy("occurred_at_ms", .descending).orderBy("id", .descending).limit(1).offset(count).first()
        else { return nil }
        return (try row.decode(column: "occurred_at_ms", as: Int64.self), try row.decode(column: "id", as: String.self))
    }

    static func count(since ms: Int64, on session: any SQLDatabase) async throws -> Int {
        let row = try await session.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from(table)
            .where("occurred_at_ms", .greaterThanOrEqual, ms).first()
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }

    static func deleteOlder(thanMs ms: Int64, on session: any SQLDatabase) async throws {
        try await session.delete(from: table).where("occurred_at_ms", .lessThan, ms).run()
    }

    static func deleteDismissals(userID: String, movieID: String, on session: any SQLDatabase) async throws {
        try await session.delete(from: table).where("user_id", .equal, userID).where("movie_id", .equal, movieID)
            .where("kind", .equal, SignalKind.dismissal.rawValue).run()
    }

    static func all(userID: String, on session: any SQLDatabase) async throws -> [SignalRow] {
        try await session.select().column("*").from(table).where("user_id", .equal, userID)
            .orderBy("occurred_at_ms").orderBy("id").all(decoding: SignalRow.self)
    }

    static func deleteAll(userID: String, on session: any SQLDatabase) async throws {
        try await session.delete(from: table).where("user_id", .equal, userID).run()
    }
}
