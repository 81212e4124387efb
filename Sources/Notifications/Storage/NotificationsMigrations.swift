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
        Migration(2, "campaigns, and their messages marked in the outbox") { database, _ in
            try await database.create(table: "campaigns")
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("kind", type: .text, .notNull)
                .column("subject", type: .text, .notNull)
                .column("body", type: .text, .notNull)
                .column("link_path", type: .text)
                .column("audience", type: .text, .notNull)
                .column("messages_per_second", type: .int, .notNull)
                .column("status", type: .text, .notNull)
                .column("recipients", type: .int, .notNull)
                // Where the fan-out is in the list of people (the accounts' page cursor), and
                // when the next message it adds is due.
                .column("audience_cursor", type: .text, .notNull)
                .column("next_slot_ms", type: .bigint, .notNull)
                .column("created_by", type: .text, .notNull)
                .column("created_at_ms", type: .bigint, .notNull)
                .column("started_at_ms", type: .bigint)
                .column("queued_at_ms", type: .bigint)
                .run()
            try await database.create(index: "campaigns_status").on("campaigns").column("status").run()
            try await database.alter(table: "outbox").column("campaign_id", type: .text).run()
            try await database.create(index: "outbox_campaign").on("outbox").column("campaign_id").column("status").run()
        },
        Migration(3, "the provider's id and delivery status of a message (text messages)") { database, _ in
            try await database.alter(table: "outbox").column("provider_reference", type: .text).run()
            try await database.alter(table: "outbox").column("delivery_status", type: .text).run()
            try await database.create(index: "outbox_provider_reference").on("outbox").column("provider_reference").run()
        },
        Migration(4, "the due messages indexed in the order they are claimed") { database, _ in
            // Messages due at once all have next_attempt_at_ms 0, so an index without the
            // creation time left every claim to sort the whole due backlog for its first few (33 ms
            // a claim at 17,000 waiting, in a flash sale on PostgreSQL); in claim order it reads
            // only those it claims.
            try await database.create(index: "outbox_due_in_order").on("outbox")
                .column("status").column("next_attempt_at_ms").column("created_at_ms").run()
            try await database.drop(index: "outbox_due").run()
        },
    ])
}
