import Foundation
import SQLKit

/// Messages a service commits together with the change that caused them (the transactional
/// outbox): a verification mail is never lost when its account was created, and never sent for
/// an account whose creation rolled back. The notifications service drains it.
public enum Outbox {
    public static let migrations = MigrationSet(component: "outbox", migrations: [
        Migration(1, "create outbox") { database, _ in
            try await database.create(table: "outbox")
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("topic", type: .text, .notNull)
                .column("recipient_user_id", type: .text)
                .column("payload", type: .text, .notNull)
                .column("created_at_ms", type: .bigint, .notNull)
                .column("delivered_at_ms", type: .bigint)
                .run()
            try await database.create(index: "outbox_undelivered").on("outbox").column("delivered_at_ms").column("created_at_ms").run()
            try await database.create(index: "outbox_recipient").on("outbox").column("recipient_user_id").run()
        },
    ])

    /// A message waiting to be delivered.
    public struct Message: Codable, Sendable, Equatable {
        public var id: String
        public var topic: String
        public var recipientUserId: String?
        public var payload: String
        public var createdAtMs: Int64
        public var deliveredAtMs: Int64?
    }

    /// A message ready to add: its payload encoded, so that the encoding is done before the
    /// transaction that adds it, not during the writer's turn.
    public struct Entry: Sendable {
        let message: Message
        /// When the message is due: 0 (the column's default) for at once.
        let dueAtMs: Int64

        /// `payload` is encoded as JSON text.
        ///
        /// - Parameter deliverAt: when the message is due (a reminder), rather than at once. It is
        ///   kept in `next_attempt_at_ms`, the column the notifications component's first migration
        ///   adds to this table (the application always runs both).
        public init(topic: String, recipientUserID: String?, payload: some Encodable, at now: Date, deliverAt: Date? = nil) throws {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            message = Message(
                id: UUID.timeOrderedID(), topic: topic, recipientUserId: recipientUserID,
                payload: String(decoding: try encoder.encode(payload), as: UTF8.self),
                createdAtMs: now.millisecondsSince1970, deliveredAtMs: nil)
            dueAtMs = deliverAt?.millisecondsSince1970 ?? 0
        }
    }

    /// Adds a message in the caller's transaction (see ``Entry``).
    public static func enqueue(
        topic: String, recipientUserID: String?, payload: some Encodable, at now: Date, deliverAt: Date? = nil, on session: any SQLDatabase
    ) async throws {
        try await enqueue([Entry(topic: topic, recipientUserID: recipientUserID, payload: payload, at: now, deliverAt: deliverAt)],
                          on: session)
    }

    /// Adds messages in the caller's transaction, with one statement.
    public static func enqueue(_ entries: [Entry], on session: any SQLDatabase) async throws {
        try await rows(entries).run(on: session)
    }

    /// The messages' rows, for a caller that inserts them in a statement of its own making.
    public static func rows(_ entries: [Entry]) -> RowInsert {
        RowInsert(
            into: "outbox",
            columns: [.init("id", "text"), .init("topic", "text"), .init("recipient_user_id", "text"), .init("payload", "text"),
                      .init("created_at_ms", "bigint"), .init("next_attempt_at_ms", "bigint")],
            rows: entries.map { entry in
                let message = entry.message
                return [message.id, message.topic, message.recipientUserId, message.payload, message.createdAtMs, entry.dueAtMs]
            })
    }

    /// Messages for one user, oldest first (for tests and for a user's data export).
    public static func messages(for userID: String, on session: any SQLDatabase) async throws -> [Message] {
        try await session.select().column("*").from("outbox")
            .where("recipient_user_id", .equal, userID)
            .orderBy("created_at_ms")
            .all(decoding: Message.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// Removes a user's messages (on erasure: they hold personal data such as their address).
    public static func removeMessages(for userID: String, on session: any SQLDatabase) async throws {
        try await session.delete(from: "outbox").where("recipient_user_id", .equal, userID).run()
    }
}

extension Date {
    /// Milliseconds since 1970, the portable time type of every box-office table.
    public var millisecondsSince1970: Int64 { Int64((timeIntervalSince1970 * 1000).rounded(.down)) }

    public init(millisecondsSince1970 milliseconds: Int64) {
        self.init(timeIntervalSince1970: TimeInterval(milliseconds) / 1000)
    }
}

extension Duration {
    /// Whole milliseconds (rounded down), the unit of every box-office table's times.
    public var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
