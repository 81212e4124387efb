import BoxOfficeEdge
import BoxOfficeStorage
import Foundation

extension AccountService {
    /// The most users one admin listing returns.
    public static let userPageSizeMax = 100

    /// A page of users in creation order, and the cursor of the next page (nil on the last).
    public func users(after cursor: String?, limit: Int) async throws -> (users: [User], nextCursor: String?) {
        let limit = min(max(limit, 1), Self.userPageSizeMax)
        let position = try cursor.map(UserCursor.init(encoded:))
        let rows = try await database.withSession { session in
            try await UserRecords.page(after: position.map { ($0.createdAtMs, $0.id) }, limit: limit + 1, on: session)
        }
        let page = rows.prefix(limit)
        let next = rows.count > limit ? page.last.map { UserCursor(createdAtMs: $0.createdAtMs, id: $0.id).encoded } : nil
        return (try page.map { try $0.user() }, next)
    }

    /// What an admin may change about a user.
    public struct AdminChange: Sendable {
        public var roles: Identity.Roles?
        public var theatreIDs: Set<String>?
        public var status: User.Status?
        public init(roles: Identity.Roles? = nil, theatreIDs: Set<String>? = nil, status: User.Status? = nil) {
            self.roles = roles
            self.theatreIDs = theatreIDs
            self.status = status
        }
    }

    /// Changes roles, theatre scope or status. Disabling ends every session at once; role
    /// changes reach access tokens at their next refresh (within the access-token lifetime).
    public func administer(userID: String, _ change: AdminChange) async throws -> User {
        let now = self.now
        let updated = try await database.transaction { session in
            guard var user = try await UserRecords.find(id: userID, on: session)?.user(), user.status != .erased else {
                throw AccountError.userNotFound
            }
            if change.status == .erased {
                throw AccountError.invalidField(field: "status", message: "erase an account with DELETE, not by status")
            }
            if let roles = change.roles { user.roles = roles }
            if let theatres = change.theatreIDs {
                guard theatres.count <= 100, theatres.allSatisfy(Identifiers.isTheatreID) else {
                    throw AccountError.invalidField(
                        field: "theatreIds", message: "must be at most 100 ids of 1 to 64 lowercase letters, digits and dashes")
                }
                user.theatreIDs = theatres
            }
            if let status = change.status { user.status = status }
            user.updatedAt = now
            try await UserRecords.update(user, on: session)
            if user.status == .disabled {
                try await SessionRecords.revokeAll(userID: userID, reason: "disabled by admin", at: now.millisecondsSince1970, on: session)
            }
            return user
        }
        profiles.remember(updated, at: now.millisecondsSince1970)
        return updated
    }
}

/// An opaque page position: base64 of "createdAtMs:id", so clients cannot depend on its form.
struct UserCursor {
    var createdAtMs: Int64
    var id: String

    init(createdAtMs: Int64, id: String) {
        self.createdAtMs = createdAtMs
        self.id = id
    }

    init(encoded: String) throws {
        guard encoded.count <= 200, let data = Data(base64Encoded: encoded),
              let text = String(data: data, encoding: .utf8),
              let colon = text.firstIndex(of: ":"), let createdAtMs = Int64(text[..<colon]),
              Identifiers.isGenerated(String(text[text.index(after: colon)...]))
        else { throw AccountError.invalidField(field: "cursor", message: "is not a cursor this service returned") }
        self.init(createdAtMs: createdAtMs, id: String(text[text.index(after: colon)...]))
    }

    var encoded: String { Data("\(createdAtMs):\(id)".utf8).base64EncodedString() }
}
