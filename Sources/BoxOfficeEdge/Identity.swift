import HummingbirdAuth

/// What a request is allowed to do, as established by a verified access token or API key.
public struct Identity: Sendable, Equatable, RoleProviding {
    public enum Kind: Sendable, Equatable {
        /// A person signed in with an access token; `subject` is their user id.
        case user
        /// A partner's backend calling with an API key; `subject` is the key's id.
        case partner(scopes: Set<PartnerScope>)
    }

    /// The user id (for people) or the API key id (for partners).
    public var subject: String
    public var kind: Kind
    public var roles: Roles
    /// The theatres a staff member works for; staff powers apply to these only.
    public var theatreIDs: Set<String>
    /// The session a person's access token was issued under (none for partners).
    public var sessionID: String?

    public init(subject: String, kind: Kind = .user, roles: Roles, theatreIDs: Set<String> = [], sessionID: String? = nil) {
        self.subject = subject
        self.kind = kind
        self.roles = roles
        self.theatreIDs = theatreIDs
        self.sessionID = sessionID
    }

    public var isAdmin: Bool { roles.contains(.admin) }

    /// Whether this identity may act as staff of `theatreID` (admins may act for every theatre).
    public func isStaff(of theatreID: String) -> Bool {
        isAdmin || (roles.contains(.staff) && theatreIDs.contains(theatreID))
    }

    /// Whether this identity is the person `userID`, or an admin acting for them.
    public func mayAccessAccount(of userID: String) -> Bool {
        (kind == .user && subject == userID) || isAdmin
    }

    public struct Roles: OptionSet, Sendable, Hashable {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        public static let customer = Roles(rawValue: 1 << 0)
        public static let staff = Roles(rawValue: 1 << 1)
        public static let admin = Roles(rawValue: 1 << 2)

        /// Every role, by the name the API and tokens use for it.
        public static let names: [(name: String, role: Roles)] = [
            ("customer", .customer), ("staff", .staff), ("admin", .admin),
        ]

        public init(names: some Sequence<String>) throws(UnknownRole) {
            var roles = Roles()
            for name in names {
                guard let role = Self.names.first(where: { $0.name == name })?.role else { throw UnknownRole(name: name) }
                roles.insert(role)
            }
            self = roles
        }

        public var names: [String] { Self.names.filter { contains($0.role) }.map(\.name) }
    }

    public struct UnknownRole: Error, Equatable {
        public let name: String
    }
}

/// What a partner's API key may be used for.
public enum PartnerScope: String, Sendable, Hashable, Codable, CaseIterable {
    /// Read the catalog, showtimes and seat maps.
    case catalogRead = "catalog:read"
    /// Create and pay for bookings on behalf of the partner's customers.
    case bookingsWrite = "bookings:write"
    /// Read sales reports of the partner's theatres.
    case reportsRead = "reports:read"
}
