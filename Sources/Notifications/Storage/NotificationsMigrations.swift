import BoxOfficeStorage
import SQLKit

/// The outbox's delivery state, kept on its rows: whether a message was sent, is waiting for
/// another attempt (and when), or was given up on (dead-lettered, for an admin to retry), and
/// which instance holds it while sending (a lease, so a crashed sender's claim runs out).
public enum NotificationsMigrations {
    public static let set = MigrationSet(component: "notifications", migrations: [
        Migration(1, "delivery state of outbox messages") { database, _ in
            for column in [
                ("status", SQLDataType.text, "'pending'"), ("attempts", .int, "0"), ("next_attempt_at_ms", .bigint, "0"),
                ("claimed_until_ms", .bigint, "0"),
            ] {
                try await database.alter(table: "outbox")
                    .column(column.0, type: column.1, .notNull, .default(SQLRaw(column.2))).run()
            }
            try await database.alter(table: "outbox").column("last_error", type: .text).run()
            try await database.alter(table: "outbox").column("sent_at_ms", type: .bigint).run()
            try await database.create(index: "outbox_due").on("outbox").column("status").column("next_attempt_at_ms").run()
        },
    ])
}
