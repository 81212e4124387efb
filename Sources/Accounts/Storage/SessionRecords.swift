import BoxOfficeStorage
import Foundation
import SQLKit

/// The SQL of `sessions` and `refresh_tokens`.
enum SessionRecords {
    struct SessionRow: Codable, Sendable {
        var id: String
        var userId: String
        var createdAtMs: Int64
        var lastUsedAtMs: Int64
        var expiresAtMs: Int64
        var revokedAtMs: Int64?
        var revokedReason: String?
        var userAgent: String
        var clientAddress: String

        var session: Session {
            Session(id: id, createdAtMs: createdAtMs, lastUsedAtMs: lastUsedAtMs, expiresAtMs: expiresAtMs,
                    userAgent: userAgent, clientAddress: clientAddress)
        }
    }

    struct RefreshTokenRow: Codable, Sendable {
        var tokenHash: String
        var sessionId: String
        var issuedAtMs: Int64
        var rotatedAtMs: Int64?
    }

    static func insert(_ session: SessionRow, on database: any SQLDatabase) async throws {
        try await database.insert(into: "sessions").model(session, keyEncodingStrategy: .convertToSnakeCase).run()
    }

    static func insert(_ token: RefreshTokenRow, on database: any SQLDatabase) async throws {
        try await database.insert(into: "refresh_tokens").model(token, keyEncodingStrategy: .convertToSnakeCase).run()
    }

    static func find(sessionID: String, on database: any SQLDatabase) async throws -> SessionRow? {
        try await database.select().column("*").from("sessions").where("id", .equal, sessionID)
            .first(decoding: SessionRow.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    static func findToken(hash: String, on database: any SQLDatabase) async throws -> RefreshTokenRow? {
        try await database.select().column("*").from("refresh_tokens").where("token_hash", .equal, hash)
            .first(decoding: RefreshTokenRow.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// Marks the token rotated if nobody has yet; false means it was already used (a replay, or
    /// a concurrent refresh that won), which the caller treats as reuse.
    static func rotate(tokenHash: String, at now: Int64, on database: any SQLDatabase) async throws -> Bool {
        let row = try await database.update("refresh_tokens")
            .set("rotated_at_ms", to: now)
            .where("token_hash", .equal, tokenHash)
            .where("rotated_at_ms", .is, SQLLiteral.null)
            .returning("token_hash")
            .first()
        return row != nil
    }

    static func touch(sessionID: String, at now: Int64, on database: any SQLDatabase) async throws {
        try await database.update("sessions").set("last_used_at_ms", to: now).where("id", .equal, sessionID).run()
    }

    /// Revokes one session of `userID`; false when it is not theirs, unknown or already revoked.
    @discardableResult
    static func revoke(sessionID: String, userID: String, reason: String, at now: Int64, on database: any SQLDatabase) async throws -> Bool {
        let row = try await database.update("sessions")
            .set("revoked_at_ms", to: now)
            .set("revoked_reason", to: reason)
            .where("id", .equal, sessionID)
            .where("user_id", .equal, userID)
            .where("revoked_at_ms", .is, SQLLiteral.null)
            .returning("id")
            .first()
        return row != nil
    }

    static func revokeAll(userID: String, reason: String, at now: Int64, on database: any SQLDatabase) async throws {
        try await database.update("sessions")
            .set("revoked_at_ms", to: now)
            .set("revoked_reason", to: reason)
            .where("user_id", .equal, userID)
            .where("revoked_at_ms", .is, SQLLiteral.null)
            .run()
    }

    /// Sessions of `userID` that can still be refreshed, newest first.
    static func active(userID: String, at now: Int64, on database: any SQLDatabase) async throws -> [SessionRow] {
        try await database.select().column("*").from("sessions")
            .where("user_id", .equal, userID)
            .where("revoked_at_ms", .is, SQLLiteral.null)
            .where("expires_at_ms", .greaterThan, now)
            .orderBy("last_used_at_ms", .descending)
            .all(decoding: SessionRow.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    static func all(userID: String, on database: any SQLDatabase) async throws -> [SessionRow] {
        try await database.select().column("*").from("sessions").where("user_id", .equal, userID)
            .orderBy("created_at_ms")
            .all(decoding: SessionRow.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    static func deleteAll(userID: String, on database: any SQLDatabase) async throws {
        // Refresh tokens go with their sessions (ON DELETE CASCADE on both engines; SQLite
        // enforces it because the backend turns foreign keys on).
        try await database.delete(from: "sessions").where("user_id", .equal, userID).run()
    }
}

/// The SQL of `account_tokens`: single-use tokens sent by mail.
enum AccountTokenRecords {
    enum Purpose: String, Sendable {
        case verifyEmail = "verify_email"
        case resetPassword = "reset_password"
    }

    static func insert(hash: String, userID: String, purpose: Purpose, createdAtMs: Int64, expiresAtMs: Int64,
                       on database: any SQLDatabase) async throws {
        try await database.insert(into: "account_tokens")
            .columns("token_hash", "user_id", "purpose", "created_at_ms", "expires_at_ms")
            .values(SQLBind(hash), SQLBind(userID), SQLBind(purpose.rawValue), SQLBind(createdAtMs), SQLBind(expiresAtMs))
            .run()
    }

    /// Uses the token if it exists for `purpose`, is unused and unexpired; returns its user id.
    /// The conditional update makes a token usable once even under concurrent attempts.
    static func consume(hash: String, purpose: Purpose, at now: Int64, on database: any SQLDatabase) async throws -> String? {
        let row = try await database.update("account_tokens")
            .set("used_at_ms", to: now)
            .where("token_hash", .equal, hash)
            .where("purpose", .equal, purpose.rawValue)
            .where("used_at_ms", .is, SQLLiteral.null)
            .where("expires_at_ms", .greaterThan, now)
            .returning("user_id")
            .first()
        return try row?.decode(column: "user_id", as: String.self)
    }

    /// Makes every outstanding token of `purpose` unusable (a new one supersedes them).
    static func invalidate(userID: String, purpose: Purpose, at now: Int64, on database: any SQLDatabase) async throws {
        try await database.update("account_tokens")
            .set("used_at_ms", to: now)
            .where("user_id", .equal, userID)
            .where("purpose", .equal, purpose.rawValue)
            .where("used_at_ms", .is, SQLLiteral.null)
            .run()
    }

    static func deleteAll(userID: String, on database: any SQLDatabase) async throws {
        try await database.delete(from: "account_tokens").where("user_id", .equal, userID).run()
    }
}
