import BoxOfficeEdge
import BoxOfficeStorage
import Foundation
import JWTKit
import SQLKit

/// Accounts: sign-up, login, sessions and their tokens, verification and reset by mail, the
/// profile, the person's data export and erasure, and admin management of users.
///
/// Every change runs in one transaction with the outbox messages it causes.
public struct AccountService: Sendable {
    let database: Database
    let hasher: PasswordHasher
    let signer: JWTKeyCollection
    let signingKID: JWKIdentifier
    let configuration: AccountsConfiguration
    /// Verified against when a login names no account, so both cases take as long.
    let decoyPasswordHash: String
    let profiles: ProfileCache
    /// Other services' data about a person, exported and erased with the account.
    let personalData: [any PersonalDataHolder]

    public static func make(database: Database, keys: AccessTokenKeys, configuration: AccountsConfiguration,
                            personalData: [any PersonalDataHolder] = []) async throws -> AccountService {
        let signer = JWTKeyCollection()
        let kid = JWKIdentifier(string: keys.signingKey.kid)
        await signer.add(eddsa: EdDSA.PrivateKey(backing: keys.signingKey.privateKey), kid: kid)
        let hasher = PasswordHasher(cost: configuration.bcryptCost)
        return AccountService(database: database, hasher: hasher, signer: signer, signingKID: kid,
                              configuration: configuration, decoyPasswordHash: try await hasher.decoyHash(),
                              profiles: ProfileCache(lifetime: configuration.profileCacheLifetime), personalData: personalData)
    }

    var now: Date { configuration.now() }

    // MARK: sign-up

    public struct SignUp: Sendable {
        public var email: String
        public var password: String
        public var name: String
        public init(email: String, password: String, name: String) {
            self.email = email
            self.password = password
            self.name = name
        }
    }

    /// Creates an account and mails (through the outbox) a token to verify the address; an
    /// operator creating an account whose address they vouch for passes `emailVerified`.
    public func signUp(_ request: SignUp, roles: Identity.Roles = .customer, emailVerified: Bool = false) async throws -> User {
        let email: EmailAddress
        do { email = try EmailAddress(request.email) } catch { throw AccountError.invalidEmail(error) }
        do { try PasswordRules.check(request.password, email: email) } catch {
            throw AccountError.invalidPassword(field: "password", error)
        }
        let name = try ProfileRules.name(request.name)
        let passwordHash = try await hasher.hash(request.password)
        let now = self.now
        let user = User(
            id: UUID.timeOrderedID(), email: email, name: name, phone: nil, city: nil,
            preferredLanguages: [], preferredGenres: [], consents: .none, roles: roles, theatreIDs: [],
            status: .active, emailVerifiedAt: emailVerified ? now : nil, createdAt: now, updatedAt: now)
        let verification = OpaqueToken.generate()
        let lifetime = configuration.emailVerificationLifetime
        try await database.transaction { session in
            guard try await UserRecords.insert(UserRow(user: user, passwordHash: passwordHash), on: session) else {
                throw AccountError.emailTaken
            }
            if !emailVerified {
                try await Self.sendEmailVerification(verification, to: user, lifetime: lifetime, at: now, on: session)
            }
        }
        return user
    }

    struct AccountMail: Codable {
        var email: String
        var name: String
        var token: String
        var expiresAtMs: Int64
    }

    private static func sendEmailVerification(
        _ token: OpaqueToken, to user: User, lifetime: Duration, at now: Date, on session: any SQLDatabase
    ) async throws {
        let expires = now.millisecondsSince1970 + lifetime.milliseconds
        try await AccountTokenRecords.invalidate(userID: user.id, purpose: .verifyEmail, at: now.millisecondsSince1970, on: session)
        try await AccountTokenRecords.insert(hash: token.hash, userID: user.id, purpose: .verifyEmail,
                                             createdAtMs: now.millisecondsSince1970, expiresAtMs: expires, on: session)
        try await Outbox.enqueue(
            topic: "account.email_verification", recipientUserID: user.id,
            payload: AccountMail(email: user.email.value, name: user.name, token: token.value, expiresAtMs: expires),
            at: now, on: session)
    }

    // MARK: login and tokens

    /// An access token and the refresh token that renews it.
    public struct TokenPair: Sendable, Equatable {
        public var accessToken: String
        public var accessTokenExpiresIn: Duration
        public var refreshToken: String
        public var sessionID: String
        public var user: User
    }

    /// Where a login or refresh comes from, recorded on the session for the person to recognise.
    public struct ClientDescription: Sendable {
        public var userAgent: String
        public var address: String
        public init(userAgent: String, address: String) {
            // Printable text only: it is shown back to the person and stored as text.
            self.userAgent = String(String.UnicodeScalarView(userAgent.unicodeScalars.filter {
                $0.properties.generalCategory != .control
            }.prefix(256)))
            self.address = String(address.prefix(64))
        }
    }

    public func logIn(email rawEmail: String, password: String, client: ClientDescription) async throws -> TokenPair {
        let now = self.now
        guard let email = try? EmailAddress(rawEmail), password.utf8.count <= PasswordRules.bytesMax,
              let row = try await database.withSession({ try await UserRecords.find(email: email, on: $0) })
        else {
            _ = try await hasher.verify(password, against: decoyPasswordHash)
            throw AccountError.invalidCredentials
        }
        if row.lockedUntilMs > now.millisecondsSince1970 {
            throw AccountError.locked(retryAfterSeconds: Int((row.lockedUntilMs - now.millisecondsSince1970 + 999) / 1000))
        }
        guard try await hasher.verify(password, against: row.passwordHash) else {
            let failures = row.failedLogins + 1
            let lock = configuration.loginThrottle.lockMilliseconds(afterConsecutiveFailures: failures)
            try await database.withSession { session in
                try await UserRecords.recordFailedLogin(
                    userID: row.id, failures: failures, lockedUntilMs: lock > 0 ? now.millisecondsSince1970 + lock : 0,
                    on: session)
            }
            throw AccountError.invalidCredentials
        }
        let user = try row.user()
        guard user.status == .active else { throw AccountError.accountDisabled }
        let sessionID = UUID.timeOrderedID()
        let refreshToken = OpaqueToken.generate(prefix: "bo_rt_")
        let nowMs = now.millisecondsSince1970
        try await database.transaction { session in
            try await UserRecords.recordSuccessfulLogin(userID: user.id, on: session)
            try await SessionRecords.insert(
                SessionRecords.SessionRow(
                    id: sessionID, userId: user.id, createdAtMs: nowMs, lastUsedAtMs: nowMs,
                    expiresAtMs: nowMs + configuration.refreshTokenLifetime.milliseconds, revokedAtMs: nil,
                    revokedReason: nil, userAgent: client.userAgent, clientAddress: client.address),
                on: session)
            try await SessionRecords.insert(
                SessionRecords.RefreshTokenRow(tokenHash: refreshToken.hash, sessionId: sessionID, issuedAtMs: nowMs, rotatedAtMs: nil),
                on: session)
        }
        return try await tokenPair(for: user, sessionID: sessionID, refreshToken: refreshToken, at: now)
    }

    /// Exchanges a refresh token for a new pair; the old refresh token is spent. A spent token
    /// presented again means it leaked (or a client raced itself): the session is revoked.
    public func refresh(_ presented: String, client: ClientDescription) async throws -> TokenPair {
        guard presented.count <= OpaqueToken.charactersMax else { throw AccountError.invalidRefreshToken }
        let now = self.now
        let nowMs = now.millisecondsSince1970
        let hash = OpaqueToken.hash(presented)
        let next = OpaqueToken.generate(prefix: "bo_rt_")
        enum Outcome: Sendable { case rotated(User, sessionID: String), reused }
        let outcome: Outcome = try await database.transaction { session in
            guard let token = try await SessionRecords.findToken(hash: hash, on: session),
                  let sessionRow = try await SessionRecords.find(sessionID: token.sessionId, on: session),
                  sessionRow.revokedAtMs == nil, sessionRow.expiresAtMs > nowMs
            else { throw AccountError.invalidRefreshToken }
            guard try await SessionRecords.rotate(tokenHash: hash, at: nowMs, on: session) else {
                try await SessionRecords.revoke(sessionID: sessionRow.id, userID: sessionRow.userId,
                                                reason: "refresh token reused", at: nowMs, on: session)
                return .reused
            }
            guard let userRow = try await UserRecords.find(id: sessionRow.userId, on: session) else {
                throw AccountError.invalidRefreshToken
            }
            let user = try userRow.user()
            guard user.status == .active else { throw AccountError.accountDisabled }
            try await SessionRecords.insert(
                SessionRecords.RefreshTokenRow(tokenHash: next.hash, sessionId: sessionRow.id, issuedAtMs: nowMs, rotatedAtMs: nil),
                on: session)
            try await SessionRecords.touch(sessionID: sessionRow.id, at: nowMs, on: session)
            return .rotated(user, sessionID: sessionRow.id)
        }
        switch outcome {
        case .reused:
            throw AccountError.refreshTokenReused
        case .rotated(let user, let sessionID):
            return try await tokenPair(for: user, sessionID: sessionID, refreshToken: next, at: now)
        }
    }

    /// Ends the session the refresh token belongs to (unknown tokens are ignored: logging out
    /// twice is not an error).
    public func logOut(refreshToken presented: String) async throws {
        guard presented.count <= OpaqueToken.charactersMax else { return }
        let hash = OpaqueToken.hash(presented)
        let nowMs = now.millisecondsSince1970
        try await database.transaction { session in
            guard let token = try await SessionRecords.findToken(hash: hash, on: session),
                  let sessionRow = try await SessionRecords.find(sessionID: token.sessionId, on: session)
            else { return }
            try await SessionRecords.revoke(sessionID: sessionRow.id, userID: sessionRow.userId, reason: "logged out",
                                            at: nowMs, on: session)
        }
    }

    private func tokenPair(for user: User, sessionID: String, refreshToken: OpaqueToken, at now: Date) async throws -> TokenPair {
        let claims = AccessTokenClaims(
            userID: user.id, sessionID: sessionID, roles: user.roles, theatreIDs: user.theatreIDs,
            issuedAt: now, lifetime: configuration.accessTokenLifetime)
        let accessToken = try await signer.sign(claims, kid: signingKID)
        return TokenPair(accessToken: accessToken, accessTokenExpiresIn: configuration.accessTokenLifetime,
                         refreshToken: refreshToken.value, sessionID: sessionID, user: user)
    }

    // MARK: the person's own account

    /// The user `id`, or nil when there is none or it was erased.
    public func userIfPresent(id: String) async throws -> User? {
        do {
            return try await user(id: id)
        } catch AccountError.userNotFound {
            return nil
        }
    }

    /// The user `id` (for the person themselves and admins; never an erased account).
    public func user(id: String) async throws -> User {
        let nowMs = now.millisecondsSince1970
        let user: User
        if let cached = profiles.user(id: id, at: nowMs) {
            user = cached
        } else {
            guard let row = try await database.withReadSession({ try await UserRecords.find(id: id, on: $0) }) else {
                throw AccountError.userNotFound
            }
            user = try row.user()
            profiles.remember(user, at: nowMs)
        }
        guard user.status != .erased else { throw AccountError.userNotFound }
        return user
    }

    /// The users among `ids` that exist and are not erased, read in one statement (for a batch of
    /// messages to many people): never from the profile cache, which one-off reads would only
    /// crowd. The caller bounds `ids` (a statement binds each one).
    public func users(ids: [String]) async throws -> [User] {
        guard !ids.isEmpty else { return [] }
        return try await database.withReadSession { try await UserRecords.find(ids: ids, on: $0) }
            .map { try $0.user() }.filter { $0.status != .erased }
    }

    public func sessions(of userID: String) async throws -> [Session] {
        let nowMs = now.millisecondsSince1970
        return try await database.withReadSession { session in
            try await SessionRecords.active(userID: userID, at: nowMs, on: session).map(\.session)
        }
    }

    public func revokeSession(_ sessionID: String, of userID: String) async throws {
        let nowMs = now.millisecondsSince1970
        let revoked = try await database.withSession { session in
            try await SessionRecords.revoke(sessionID: sessionID, userID: userID, reason: "revoked by user", at: nowMs, on: session)
        }
        guard revoked else { throw AccountError.sessionNotFound }
    }

    /// Changes the password after checking the current one, and ends every other session.
    public func changePassword(of userID: String, current: String, new: String, keepingSession sessionID: String?) async throws {
        guard let row = try await database.withSession({ try await UserRecords.find(id: userID, on: $0) }) else {
            throw AccountError.userNotFound
        }
        guard current.utf8.count <= PasswordRules.bytesMax, try await hasher.verify(current, against: row.passwordHash) else {
            throw AccountError.invalidCredentials
        }
        let email = try EmailAddress(row.email)
        do { try PasswordRules.check(new, email: email) } catch { throw AccountError.invalidPassword(field: "newPassword", error) }
        let hash = try await hasher.hash(new)
        let now = self.now
        try await database.transaction { session in
            try await UserRecords.setPasswordHash(hash, userID: userID, at: now, on: session)
            for other in try await SessionRecords.active(userID: userID, at: now.millisecondsSince1970, on: session) where other.id != sessionID {
                try await SessionRecords.revoke(sessionID: other.id, userID: userID, reason: "password changed",
                                                at: now.millisecondsSince1970, on: session)
            }
            try await Outbox.enqueue(topic: "account.password_changed", recipientUserID: userID,
                                     payload: ["email": row.email, "name": row.name], at: now, on: session)
        }
    }

    // MARK: verification and reset by mail

    public func requestEmailVerification(for userID: String) async throws {
        let user = try await self.user(id: userID)
        guard user.emailVerifiedAt == nil else { return }
        let now = self.now
        let lifetime = configuration.emailVerificationLifetime
        try await database.transaction { session in
            try await Self.sendEmailVerification(OpaqueToken.generate(), to: user, lifetime: lifetime, at: now, on: session)
        }
    }

    public func verifyEmail(token: String) async throws {
        guard token.count <= OpaqueToken.charactersMax else { throw AccountError.invalidAccountToken }
        let now = self.now
        let verified = try await database.transaction { session in
            guard let userID = try await AccountTokenRecords.consume(
                hash: OpaqueToken.hash(token), purpose: .verifyEmail, at: now.millisecondsSince1970, on: session),
                  var user = try await UserRecords.find(id: userID, on: session)?.user()
            else { throw AccountError.invalidAccountToken }
            user.emailVerifiedAt = user.emailVerifiedAt ?? now
            user.updatedAt = now
            try await UserRecords.update(user, on: session)
            return user
        }
        profiles.remember(verified, at: now.millisecondsSince1970)
    }

    /// Mails a reset token when the address has an active account; answers the same either
    /// way, so the route cannot be used to learn who has an account. (Only input that cannot
    /// be an address at all is refused.)
    public func requestPasswordReset(email rawEmail: String) async throws {
        let email: EmailAddress
        do { email = try EmailAddress(rawEmail) } catch { throw AccountError.invalidEmail(error) }
        let now = self.now
        let nowMs = now.millisecondsSince1970
        let expires = nowMs + configuration.passwordResetLifetime.milliseconds
        let token = OpaqueToken.generate()
        try await database.transaction { session in
            guard let row = try await UserRecords.find(email: email, on: session), row.status == User.Status.active.rawValue else { return }
            try await AccountTokenRecords.invalidate(userID: row.id, purpose: .resetPassword, at: nowMs, on: session)
            try await AccountTokenRecords.insert(hash: token.hash, userID: row.id, purpose: .resetPassword,
                                                 createdAtMs: nowMs, expiresAtMs: expires, on: session)
            try await Outbox.enqueue(
                topic: "account.password_reset", recipientUserID: row.id,
                payload: AccountMail(email: row.email, name: row.name, token: token.value, expiresAtMs: expires),
                at: now, on: session)
        }
    }

    /// Sets a new password with a reset token, and ends every session (whoever knew the old
    /// password is signed out).
    public func resetPassword(token: String, newPassword: String) async throws {
        guard token.count <= OpaqueToken.charactersMax else { throw AccountError.invalidAccountToken }
        let hash = try await hasher.hash(newPassword)
        let now = self.now
        try await database.transaction { session in
            guard let userID = try await AccountTokenRecords.consume(
                hash: OpaqueToken.hash(token), purpose: .resetPassword, at: now.millisecondsSince1970, on: session),
                  let row = try await UserRecords.find(id: userID, on: session)
            else { throw AccountError.invalidAccountToken }
            do { try PasswordRules.check(newPassword, email: try EmailAddress(row.email)) } catch let violation as PasswordRules.Violation {
                throw AccountError.invalidPassword(field: "newPassword", violation)
            }
            try await UserRecords.setPasswordHash(hash, userID: userID, at: now, on: session)
            try await SessionRecords.revokeAll(userID: userID, reason: "password reset", at: now.millisecondsSince1970, on: session)
        }
    }
}
