import BoxOfficeStorage
import Foundation
import SQLKit

/// The outbox as the worker sees it: claiming due messages, and recording each attempt.
enum OutboxRecords {
    struct Row: Codable, Sendable, Equatable {
        var id: String
        var topic: String
        var recipientUserId: String?
        var payload: String
        var createdAtMs: Int64
        var status: String
        var attempts: Int
        var nextAttemptAtMs: Int64
        var lastError: String?
        var sentAtMs: Int64?

        /// The columns' names, spelled out: SQLKit's snake-case conversion redid them for every
        /// column of every row the worker claims.
        enum CodingKeys: String, CodingKey, CaseIterable {
            case id, topic, payload, status, attempts
            case recipientUserId = "recipient_user_id", createdAtMs = "created_at_ms", nextAttemptAtMs = "next_attempt_at_ms"
            case lastError = "last_error", sentAtMs = "sent_at_ms"
        }
    }

    static let pending = "pending"
    static let sent = "sent"
    /// Nothing to send for this topic, or to this person (no channel, no consent).
    static let skipped = "skipped"
    /// Given up after the attempts allowed; an admin may send it again.
    static let dead = "dead"

    private static let columns = Row.CodingKeys.allCases.map(\.rawValue).joined(separator: ", ")

    /// Claims up to `limit` due messages for `lease`: another worker skips them meanwhile
    /// (PostgreSQL's `FOR UPDATE SKIP LOCKED`; SQLite has one writer at a time anyway), and they
    /// come due again if this worker dies holding them.
    static func claim(limit: Int, nowMs: Int64, leaseMs: Int64, engine: Database.Engine, on session: any SQLDatabase) async throws -> [Row] {
        let query: SQLQueryString = """
            UPDATE outbox SET claimed_until_ms = \(bind: nowMs + leaseMs)
            WHERE id IN (\(dueFirst(limit: limit, nowMs: nowMs, engine: engine)))
            RETURNING \(unsafeRaw: columns)
            """
        return try await session.raw(query).all(decoding: Row.self)
            .sorted { ($0.nextAttemptAtMs, $0.createdAtMs) < ($1.nextAttemptAtMs, $1.createdAtMs) }
    }

    /// The ids of the first `limit` messages due and not claimed, in the order of the due index
    /// (`outbox_due_in_order`), which reads only those rather than sorting every due message.
    static func dueFirst(limit: Int, nowMs: Int64, engine: Database.Engine) -> SQLQueryString {
        let lock = engine == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        return """
            SELECT id FROM outbox WHERE status = \(bind: pending) AND next_attempt_at_ms <= \(bind: nowMs)
                AND claimed_until_ms <= \(bind: nowMs) ORDER BY next_attempt_at_ms, created_at_ms LIMIT \(bind: limit)\(unsafeRaw: lock)
            """
    }

    /// - Parameter providerReference: the provider's id for it (a text message's), for its status reports.
    static func recordSent(id: String, providerReference: String, nowMs: Int64, on session: any SQLDatabase) async throws {
        try await markSent(on: session, nowMs: nowMs).set("provider_reference", to: providerReference).where("id", .equal, id).run()
    }

    /// Messages sent with no provider id for them (mail), in one statement: a batch's record is
    /// one round trip however many it sent.
    static func recordSent(ids: [String], nowMs: Int64, on session: any SQLDatabase) async throws {
        guard !ids.isEmpty else { return }
        try await markSent(on: session, nowMs: nowMs).where("id", .in, ids).run()
    }

    private static func markSent(on session: any SQLDatabase, nowMs: Int64) -> SQLUpdateBuilder {
        session.update("outbox")
            .set("status", to: sent).set("sent_at_ms", to: nowMs).set("delivered_at_ms", to: nowMs).set("claimed_until_ms", to: 0)
            .set(SQLIdentifier("attempts"), to: SQLRaw("attempts + 1"))
    }

    /// The text message of an event, as a message of its own (its own attempts, retries and
    /// delivery status); added once however often the event is processed.
    static func addText(of row: Row, nowMs: Int64, on session: any SQLDatabase) async throws {
        try await session.insert(into: "outbox")
            .columns("id", "topic", "recipient_user_id", "payload", "created_at_ms")
            .values(SQLBind(row.id + ".sms"), SQLBind(MailComposer.textPrefix + row.topic), SQLBind(row.recipientUserId),
                    SQLBind(row.payload), SQLBind(nowMs))
            .ignoringConflicts(with: "id")
            .run()
    }

    /// What the provider reported of the message it knows as `providerReference`; whether there is one.
    static func recordDeliveryStatus(_ status: String, providerReference: String, on session: any SQLDatabase) async throws -> Bool {
        try await session.update("outbox").set("delivery_status", to: status)
            .where("provider_reference", .equal, providerReference).returning("id").first() != nil
    }

    static func recordSkipped(id: String, reason: String, nowMs: Int64, on session: any SQLDatabase) async throws {
        try await session.update("outbox")
            .set("status", to: skipped).set("last_error", to: reason).set("delivered_at_ms", to: nowMs).set("claimed_until_ms", to: 0)
            .where("id", .equal, id).run()
    }

    /// A failed attempt: tried again at `retryAtMs`, or dead-lettered when that is nil.
    static func recordFailure(id: String, error: String, retryAtMs: Int64?, on session: any SQLDatabase) async throws {
        try await session.update("outbox")
            .set("status", to: retryAtMs == nil ? dead : pending).set("last_error", to: String(error.prefix(500)))
            .set("next_attempt_at_ms", to: retryAtMs ?? 0).set("claimed_until_ms", to: 0)
            .set(SQLIdentifier("attempts"), to: SQLRaw("attempts + 1"))
            .where("id", .equal, id).run()
    }

    /// Deletes up to `limit` messages sent or skipped before `beforeMs`, oldest first (the index
    /// on the delivery time); returns how many. Dead letters wait for an admin, and a campaign's
    /// messages are its report, so both stay.
    static func forgetDelivered(before beforeMs: Int64, limit: Int, on session: any SQLDatabase) async throws -> Int {
        try await session.raw("""
            DELETE FROM outbox WHERE id IN (
                SELECT id FROM outbox WHERE delivered_at_ms < \(bind: beforeMs) AND status IN (\(bind: sent), \(bind: skipped))
                    AND campaign_id IS NULL
                ORDER BY delivered_at_ms LIMIT \(bind: limit))
            RETURNING id
            """).all().count
    }

    static func deadLetters(limit: Int, on session: any SQLDatabase) async throws -> [Row] {
        try await session.raw("SELECT \(unsafeRaw: columns) FROM outbox WHERE status = \(bind: dead) ORDER BY created_at_ms DESC LIMIT \(bind: limit)")
            .all(decoding: Row.self)
    }

    /// Puts a dead letter back in line, with its attempts counted afresh. Whether it was one.
    static func retry(id: String, nowMs: Int64, on session: any SQLDatabase) async throws -> Bool {
        let rows = try await session.raw("""
            UPDATE outbox SET status = \(bind: pending), attempts = 0, next_attempt_at_ms = \(bind: nowMs), claimed_until_ms = 0
            WHERE id = \(bind: id) AND status = \(bind: dead) RETURNING id
            """).all()
        return !rows.isEmpty
    }

    /// How many messages are due and not yet sent, scheduled for later (a reminder before its
    /// showtime), and dead-lettered. One pass over the messages not yet done with: for a page,
    /// not for a loop.
    static func counts(nowMs: Int64, on session: any SQLDatabase) async throws -> (due: Int, scheduled: Int, dead: Int) {
        let row = try await session.raw("""
            SELECT SUM(CASE WHEN status = \(bind: pending) AND next_attempt_at_ms <= \(bind: nowMs) THEN 1 ELSE 0 END) AS due,
                SUM(CASE WHEN status = \(bind: pending) AND next_attempt_at_ms > \(bind: nowMs) THEN 1 ELSE 0 END) AS scheduled,
                SUM(CASE WHEN status = \(bind: dead) THEN 1 ELSE 0 END) AS dead
            FROM outbox WHERE status IN (\(bind: pending), \(bind: dead))
            """).first()
        guard let row else { return (0, 0, 0) }
        return (try row.decode(column: "due", as: Int?.self) ?? 0, try row.decode(column: "scheduled", as: Int?.self) ?? 0,
                try row.decode(column: "dead", as: Int?.self) ?? 0)
    }

    /// Since when the oldest message due and not yet sent has been due; nil when none is. A
    /// message due at once (`next_attempt_at_ms` 0) has been due since it was created; one
    /// scheduled (a reminder, a retry) since its time. The worker asks after every batch, so this
    /// reads the first entry of each part of the due index (status, next attempt, creation)
    /// however many messages wait.
    static func oldestDue(nowMs: Int64, on session: any SQLDatabase) async throws -> Int64? {
        let row = try await session.raw("""
            SELECT (SELECT MIN(created_at_ms) FROM outbox WHERE status = \(bind: pending) AND next_attempt_at_ms = 0) AS at_once,
                (SELECT MIN(next_attempt_at_ms) FROM outbox WHERE status = \(bind: pending) AND next_attempt_at_ms > 0
                    AND next_attempt_at_ms <= \(bind: nowMs)) AS scheduled
            """).first()
        guard let row else { return nil }
        return [try row.decode(column: "at_once", as: Int64?.self), try row.decode(column: "scheduled", as: Int64?.self)]
            .compactMap { $0 }.min()
    }
}
