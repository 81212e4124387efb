import BoxOfficeStorage
import Foundation
import SQLKit

extension AccountService {
    /// Everything the accounts service holds about a person (GDPR Art. 15 and 20), in a form
    /// they can read and take elsewhere. Secrets (password hash, token hashes) are not data
    /// about the person and are left out.
    public struct AccountExport: Sendable, Codable {
        public var exportedAtMs: Int64
        public var user: UserExport
        public var sessions: [SessionExport]
        public var messages: [MessageExport]
        /// Other services' records about the person, by section (such as `recommendationSignals`).
        public var otherRecords: [String: JSONValue]

        public struct UserExport: Sendable, Codable {
            public var id: String
            public var email: String
            public var name: String
            public var phone: String?
            public var city: String?
            public var preferredLanguages: [String]
            public var preferredGenres: [String]
            public var consents: Consents
            public var roles: [String]
            public var theatreIds: [String]
            public var status: String
            public var emailVerifiedAtMs: Int64?
            public var createdAtMs: Int64
            public var updatedAtMs: Int64
        }

        public struct SessionExport: Sendable, Codable {
            public var id: String
            public var createdAtMs: Int64
            public var lastUsedAtMs: Int64
            public var expiresAtMs: Int64
            public var revokedAtMs: Int64?
            public var revokedReason: String?
            public var userAgent: String
            public var clientAddress: String
        }

        /// Messages sent or queued to the person, without the single-use tokens they carried.
        public struct MessageExport: Sendable, Codable {
            public var topic: String
            public var createdAtMs: Int64
            public var deliveredAtMs: Int64?
        }
    }

    public func export(userID: String) async throws -> AccountExport {
        let nowMs = now.millisecondsSince1970
        return try await database.transaction { session in
            guard let row = try await UserRecords.find(id: userID, on: session), row.status != User.Status.erased.rawValue else {
                throw AccountError.userNotFound
            }
            let user = try row.user()
            let sessions = try await SessionRecords.all(userID: userID, on: session)
            let messages = try await Outbox.messages(for: userID, on: session)
            var otherRecords: [String: JSONValue] = [:]
            for holder in personalData {
                otherRecords[holder.exportSection] = try await holder.exportPersonalData(userID: userID, on: session)
            }
            return AccountExport(
                exportedAtMs: nowMs,
                user: .init(
                    id: user.id, email: user.email.value, name: user.name, phone: user.phone, city: user.city,
                    preferredLanguages: user.preferredLanguages, preferredGenres: user.preferredGenres,
                    consents: user.consents, roles: user.roles.names, theatreIds: user.theatreIDs.sorted(),
                    status: user.status.rawValue, emailVerifiedAtMs: row.emailVerifiedAtMs,
                    createdAtMs: row.createdAtMs, updatedAtMs: row.updatedAtMs),
                sessions: sessions.map {
                    .init(id: $0.id, createdAtMs: $0.createdAtMs, lastUsedAtMs: $0.lastUsedAtMs, expiresAtMs: $0.expiresAtMs,
                          revokedAtMs: $0.revokedAtMs, revokedReason: $0.revokedReason, userAgent: $0.userAgent,
                          clientAddress: $0.clientAddress)
                },
                messages: messages.map { .init(topic: $0.topic, createdAtMs: $0.createdAtMs, deliveredAtMs: $0.deliveredAtMs) },
                otherRecords: otherRecords)
        }
    }

    /// Erases a person's account (GDPR Art. 17): personal data is overwritten, sessions, tokens
    /// and queued messages deleted, the login made impossible; the row and its id stay, so the
    /// bookings and payments that accounting law requires us to keep stay linked to an
    /// anonymous id. The erasure itself is recorded, with who asked.
    ///
    /// A person erasing themselves confirms with their password; an admin does not.
    public func erase(userID: String, confirmingPassword password: String?, requestedBy: String) async throws {
        guard let row = try await database.withSession({ try await UserRecords.find(id: userID, on: $0) }),
              row.status != User.Status.erased.rawValue
        else { throw AccountError.userNotFound }
        if let password {
            guard password.utf8.count <= PasswordRules.bytesMax, try await hasher.verify(password, against: row.passwordHash) else {
                throw AccountError.invalidCredentials
            }
        }
        let now = self.now
        let erased = try await database.transaction { session in
            var user = try row.user()
            user.email = try EmailAddress("erased-\(user.id)@erased.invalid")
            user.name = "Erased user"
            user.phone = nil
            user.city = nil
            user.preferredLanguages = []
            user.preferredGenres = []
            user.consents = .none
            user.roles = []
            user.theatreIDs = []
            user.status = .erased
            user.updatedAt = now
            try await UserRecords.update(user, on: session)
            // No password can ever match: bcrypt hashes start with "$2", this is not one.
            try await UserRecords.setPasswordHash("!erased", userID: userID, at: now, on: session)
            try await SessionRecords.deleteAll(userID: userID, on: session)
            try await AccountTokenRecords.deleteAll(userID: userID, on: session)
            try await Outbox.removeMessages(for: userID, on: session)
            for holder in personalData { try await holder.erasePersonalData(userID: userID, on: session) }
            try await session.insert(into: "erasures")
                .columns("user_id", "erased_at_ms", "requested_by")
                .values(SQLBind(userID), SQLBind(now.millisecondsSince1970), SQLBind(requestedBy))
                .run()
            return user
        }
        profiles.remember(erased, at: now.millisecondsSince1970)
        for holder in personalData { await holder.personalDataErased(userID: userID) }
    }

    /// When the account was erased, if it was.
    public func erasure(of userID: String) async throws -> (erasedAtMs: Int64, requestedBy: String)? {
        try await database.withSession { session in
            guard let row = try await session.select().columns("erased_at_ms", "requested_by").from("erasures")
                .where("user_id", .equal, userID).first()
            else { return nil }
            return (try row.decode(column: "erased_at_ms", as: Int64.self), try row.decode(column: "requested_by", as: String.self))
        }
    }
}
