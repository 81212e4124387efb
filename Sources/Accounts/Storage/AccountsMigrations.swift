import BoxOfficeStorage
import SQLKit

/// The accounts service's tables. Released migrations are never edited: add a new one.
public enum AccountsMigrations {
    public static let set = MigrationSet(component: "accounts", migrations: [
        Migration(1, "users, sessions, refresh tokens, account tokens, erasures, partner keys") { database, _ in
            try await database.create(table: "users")
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("email", type: .text, .notNull, .unique)
                .column("password_hash", type: .text, .notNull)
                .column("name", type: .text, .notNull)
                .column("phone", type: .text)
                .column("city", type: .text)
                .column("preferred_languages", type: .text, .notNull)
                .column("preferred_genres", type: .text, .notNull)
                .column("consents", type: .text, .notNull)
                .column("roles", type: .int, .notNull)
                .column("theatre_ids", type: .text, .notNull)
                .column("status", type: .text, .notNull)
                .column("email_verified_at_ms", type: .bigint)
                .column("failed_logins", type: .int, .notNull)
                .column("locked_until_ms", type: .bigint, .notNull)
                .column("created_at_ms", type: .bigint, .notNull)
                .column("updated_at_ms", type: .bigint, .notNull)
                .run()
            try await database.create(index: "users_created").on("users").column("created_at_ms").column("id").run()

            // A session is a refresh-token family: every rotation stays in it, and reuse of a
            // rotated token revokes the whole family.
            try await database.create(table: "sessions")
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("user_id", type: .text, .notNull, .references("users", "id", onDelete: .cascade))
                .column("created_at_ms", type: .bigint, .notNull)
                .column("last_used_at_ms", type: .bigint, .notNull)
                .column("expires_at_ms", type: .bigint, .notNull)
                .column("revoked_at_ms", type: .bigint)
                .column("revoked_reason", type: .text)
                .column("user_agent", type: .text, .notNull)
                .column("client_address", type: .text, .notNull)
                .run()
            try await database.create(index: "sessions_user").on("sessions").column("user_id").run()

            try await database.create(table: "refresh_tokens")
                .column("token_hash", type: .text, .primaryKey(autoIncrement: false))
                .column("session_id", type: .text, .notNull, .references("sessions", "id", onDelete: .cascade))
                .column("issued_at_ms", type: .bigint, .notNull)
                .column("rotated_at_ms", type: .bigint)
                .run()
            try await database.create(index: "refresh_tokens_session").on("refresh_tokens").column("session_id").run()

            // Single-use tokens sent by mail: email verification and password reset.
            try await database.create(table: "account_tokens")
                .column("token_hash", type: .text, .primaryKey(autoIncrement: false))
                .column("user_id", type: .text, .notNull, .references("users", "id", onDelete: .cascade))
                .column("purpose", type: .text, .notNull)
                .column("created_at_ms", type: .bigint, .notNull)
                .column("expires_at_ms", type: .bigint, .notNull)
                .column("used_at_ms", type: .bigint)
                .run()
            try await database.create(index: "account_tokens_user").on("account_tokens").column("user_id").run()

            // The record that an erasure happened (Art. 17 requests must be demonstrable), with
            // no personal data: the pseudonymous user id stays, which anonymized bookings keep.
            try await database.create(table: "erasures")
                .column("user_id", type: .text, .primaryKey(autoIncrement: false))
                .column("erased_at_ms", type: .bigint, .notNull)
                .column("requested_by", type: .text, .notNull)
                .run()

            try await database.create(table: "partner_api_keys")
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("secret_hash", type: .text, .notNull, .unique)
                .column("name", type: .text, .notNull)
                .column("scopes", type: .text, .notNull)
                .column("theatre_ids", type: .text, .notNull)
                .column("created_by", type: .text, .notNull)
                .column("created_at_ms", type: .bigint, .notNull)
                .column("last_used_at_ms", type: .bigint)
                .column("revoked_at_ms", type: .bigint)
                .run()
        },
        Migration(2, "the language a person's messages are written in") { database, _ in
            try await database.alter(table: "users").column("message_language", type: .text).run()
        },
    ])
}
