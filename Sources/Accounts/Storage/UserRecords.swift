import BoxOfficeEdge
import BoxOfficeStorage
import Foundation
import SQLKit

/// The SQL of the `users` table: one row type, and the statements the service needs, each
/// taking the session (and so the transaction) it runs in. Every value is a bound parameter.
struct UserRow: Codable, Sendable {
    var id: String
    var email: String
    var passwordHash: String
    var name: String
    var phone: String?
    var city: String?
    var preferredLanguages: String
    var preferredGenres: String
    var consents: String
    var roles: Int
    var theatreIds: String
    var status: String
    var emailVerifiedAtMs: Int64?
    var failedLogins: Int
    var lockedUntilMs: Int64
    var createdAtMs: Int64
    var updatedAtMs: Int64
    var messageLanguage: String?

    /// The columns' names, spelled out: SQLKit's snake-case conversion redid them for every
    /// column of every row read (the notifications read their recipients' on every booking).
    enum CodingKeys: String, CodingKey {
        case id, email, name, phone, city, consents, roles, status
        case passwordHash = "password_hash", preferredLanguages = "preferred_languages", preferredGenres = "preferred_genres"
        case theatreIds = "theatre_ids", emailVerifiedAtMs = "email_verified_at_ms", failedLogins = "failed_logins"
        case lockedUntilMs = "locked_until_ms", createdAtMs = "created_at_ms", updatedAtMs = "updated_at_ms"
        case messageLanguage = "message_language"
    }

    init(user: User, passwordHash: String) {
        id = user.id
        email = user.email.value
        self.passwordHash = passwordHash
        name = user.name
        phone = user.phone
        city = user.city
        preferredLanguages = JSONColumn.text(user.preferredLanguages)
        preferredGenres = JSONColumn.text(user.preferredGenres)
        consents = JSONColumn.text(user.consents)
        roles = Int(user.roles.rawValue)
        theatreIds = JSONColumn.text(user.theatreIDs.sorted())
        status = user.status.rawValue
        emailVerifiedAtMs = user.emailVerifiedAt?.millisecondsSince1970
        failedLogins = 0
        lockedUntilMs = 0
        createdAtMs = user.createdAt.millisecondsSince1970
        updatedAtMs = user.updatedAt.millisecondsSince1970
        messageLanguage = user.messageLanguage
    }

    func user() throws -> User {
        User(
            id: id, email: try EmailAddress(email), name: name, phone: phone, city: city,
            preferredLanguages: try JSONColumn.value([String].self, from: preferredLanguages),
            preferredGenres: try JSONColumn.value([String].self, from: preferredGenres),
            consents: try JSONColumn.value(Consents.self, from: consents),
            roles: Identity.Roles(rawValue: Int32(truncatingIfNeeded: roles)),
            theatreIDs: Set(try JSONColumn.value([String].self, from: theatreIds)),
            status: User.Status(rawValue: status) ?? .disabled,
            emailVerifiedAt: emailVerifiedAtMs.map(Date.init(millisecondsSince1970:)),
            createdAt: Date(millisecondsSince1970: createdAtMs), updatedAt: Date(millisecondsSince1970: updatedAtMs),
            messageLanguage: messageLanguage)
    }
}

enum UserRecords {
    static let table = "users"

    /// Inserts the user unless the email is taken; returns whether it was inserted.
    static func insert(_ row: UserRow, on session: any SQLDatabase) async throws -> Bool {
        let inserted = try await session.insert(into: table)
            .model(row)
            .ignoringConflicts(with: "email")
            .returning("id")
            .first()
        return inserted != nil
    }

    static func find(id: String, on session: any SQLDatabase) async throws -> UserRow? {
        try await session.select().column("*").from(table).where("id", .equal, id)
            .first(decoding: UserRow.self)
    }

    /// `ids` must not be empty (`IN ()` is not SQL everywhere).
    static func find(ids: [String], on session: any SQLDatabase) async throws -> [UserRow] {
        try await session.select().column("*").from(table).where("id", .in, ids)
            .all(decoding: UserRow.self)
    }

    static func find(email: EmailAddress, on session: any SQLDatabase) async throws -> UserRow? {
        try await session.select().column("*").from(table).where("email", .equal, email.value)
            .first(decoding: UserRow.self)
    }

    /// Users in creation order after `cursor` (the last `(createdAtMs, id)` of the previous page).
    static func page(after cursor: (createdAtMs: Int64, id: String)?, limit: Int, on session: any SQLDatabase) async throws -> [UserRow] {
        var query = session.select().column("*").from(table)
        if let cursor {
            query = query.where { group in
                group.where("created_at_ms", .greaterThan, cursor.createdAtMs)
                    .orWhere { inner in
                        inner.where("created_at_ms", .equal, cursor.createdAtMs).where("id", .greaterThan, cursor.id)
                    }
            }
        }
        return try await query.orderBy("created_at_ms").orderBy("id").limit(limit)
            .all(decoding: UserRow.self)
    }

    /// Writes every field of `user` but the password hash and login counters.
    static func update(_ user: User, on session: any SQLDatabase) async throws {
        let row = UserRow(user: user, passwordHash: "")
        try await session.update(table)
            .set("email", to: row.email)
            .set("name", to: row.name)
            .set("phone", to: row.phone)
            .set("city", to: row.city)
            .set("preferred_languages", to: row.preferredLanguages)
            .set("preferred_genres", to: row.preferredGenres)
            .set("consents", to: row.consents)
            .set("message_language", to: row.messageLanguage)
            .set("roles", to: row.roles)
            .set("theatre_ids", to: row.theatreIds)
            .set("status", to: row.status)
            .set("email_verified_at_ms", to: row.emailVerifiedAtMs)
            .set("updated_at_ms", to: row.updatedAtMs)
            .where("id", .equal, user.id)
            .run()
    }

    static func setPasswordHash(_ hash: String, userID: String, at now: Date, on session: any SQLDatabase) async throws {
        try await session.update(table)
            .set("password_hash", to: hash)
            .set("failed_logins", to: 0)
            .set("locked_until_ms", to: 0)
            .set("updated_at_ms", to: now.millisecondsSince1970)
            .where("id", .equal, userID)
            .run()
    }

    static func recordFailedLogin(userID: String, failures: Int, lockedUntilMs: Int64, on session: any SQLDatabase) async throws {
        try await session.update(table)
            .set("failed_logins", to: failures)
            .set("locked_until_ms", to: lockedUntilMs)
            .where("id", .equal, userID)
            .run()
    }

    static func recordSuccessfulLogin(userID: String, on session: any SQLDatabase) async throws {
        try await session.update(table)
            .set("failed_logins", to: 0)
            .set("locked_until_ms", to: 0)
            .where("id", .equal, userID)
            .run()
    }

    static func count(on session: any SQLDatabase) async throws -> Int {
        let row = try await session.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n").from(table).first()
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }
}
