import BoxOfficeStorage
import Foundation
import SQLKit

/// The SQL of `idempotency_keys`: one row per (caller, key), claimed before the request runs
/// and completed with the response it produced.
public enum IdempotencyRecords {
    public static let migrations = MigrationSet(component: "edge", migrations: [
        Migration(1, "idempotency keys") { database, _ in
            try await database.create(table: "idempotency_keys")
                .column("scope", type: .text, .notNull)
                .column("idempotency_key", type: .text, .notNull)
                .column("request_hash", type: .text, .notNull)
                .column("status", type: .int)
                .column("response_headers", type: .text)
                .column("response_body", type: .text)
                .column("created_at_ms", type: .bigint, .notNull)
                .column("expires_at_ms", type: .bigint, .notNull)
                .primaryKey("scope", "idempotency_key")
                .run()
            try await database.create(index: "idempotency_keys_expiry").on("idempotency_keys").column("expires_at_ms").run()
        },
    ])

    struct Row: Codable, Sendable {
        var scope: String
        var idempotencyKey: String
        var requestHash: String
        var status: Int?
        var responseHeaders: String?
        var responseBody: String?
        var createdAtMs: Int64
        var expiresAtMs: Int64
    }

    /// Claims the key for a request; false when someone already holds it.
    static func claim(_ row: Row, on database: any SQLDatabase) async throws -> Bool {
        try await database.insert(into: "idempotency_keys")
            .model(row, keyEncodingStrategy: .convertToSnakeCase)
            .ignoringConflicts(with: ["scope", "idempotency_key"])
            .returning("scope")
            .first() != nil
    }

    static func find(scope: String, key: String, on database: any SQLDatabase) async throws -> Row? {
        try await database.select().column("*").from("idempotency_keys")
            .where("scope", .equal, scope).where("idempotency_key", .equal, key)
            .first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    static func complete(scope: String, key: String, status: Int, headers: String, body: String, on database: any SQLDatabase) async throws {
        try await database.update("idempotency_keys")
            .set("status", to: status).set("response_headers", to: headers).set("response_body", to: body)
            .where("scope", .equal, scope).where("idempotency_key", .equal, key)
            .run()
    }

    /// Releases a claim whose outcome must not be replayed (a server error: the client should
    /// be able to retry with the same key).
    static func release(scope: String, key: String, on database: any SQLDatabase) async throws {
        try await database.delete(from: "idempotency_keys")
            .where("scope", .equal, scope).where("idempotency_key", .equal, key).run()
    }

    static func removeExpired(scope: String, key: String, at nowMs: Int64, on database: any SQLDatabase) async throws {
        try await database.delete(from: "idempotency_keys")
            .where("scope", .equal, scope).where("idempotency_key", .equal, key)
            .where("expires_at_ms", .lessThanOrEqual, nowMs).run()
    }

    /// Deletes up to `limit` expired keys, the first to expire first (their index); returns how many.
    static func purgeExpired(at nowMs: Int64, limit: Int, on database: any SQLDatabase) async throws -> Int {
        try await database.raw("""
            DELETE FROM idempotency_keys WHERE (scope, idempotency_key) IN (
                SELECT scope, idempotency_key FROM idempotency_keys WHERE expires_at_ms <= \(bind: nowMs)
                ORDER BY expires_at_ms LIMIT \(bind: limit))
            RETURNING scope
            """).all().count
    }
}
