/// What an API key lets a connection do. Each role may do everything the roles below it may.
public enum Role: UInt8, Hashable, Sendable, CaseIterable, Comparable, CustomStringConvertible {
    /// Availability, layouts, show lists, subscriptions, statistics.
    case reader = 1
    /// A box office or booking gateway: also holds, confirmations, releases, extensions, cancellations.
    case agent = 2
    /// A theatre management system: also layouts and shows.
    case admin = 3

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String {
        switch self {
        case .reader: "reader"
        case .agent: "agent"
        case .admin: "admin"
        }
    }

    /// The least role that may send requests with `opcode`; nil for opcodes that are not requests.
    public static func required(for opcode: Opcode) -> Role? {
        switch opcode {
        case .hello, .ping, .stats, .reservation, .availability, .seatMap, .listShows, .layout, .subscribe, .unsubscribe:
            .reader
        case .hold, .holdBestAvailable, .confirm, .release, .extend, .cancelBooking, .batch:
            .agent
        case .defineLayout, .createShow, .cancelShow, .snapshot, .createAPIKey, .listAPIKeys, .rotateAPIKey, .revokeAPIKey:
            .admin
        default:
            nil
        }
    }
}
