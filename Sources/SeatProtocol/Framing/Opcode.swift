/// What a frame asks for or answers. Responses and events carry the opcode of the request they
/// answer (events carry ``event``).
public struct Opcode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    // Session: 0x00xx
    public static let hello = Opcode(rawValue: 0x0001)
    public static let ping = Opcode(rawValue: 0x0002)
    public static let stats = Opcode(rawValue: 0x0003)
    // Seats: 0x01xx
    public static let hold = Opcode(rawValue: 0x0101)
    public static let holdBestAvailable = Opcode(rawValue: 0x0102)
    public static let confirm = Opcode(rawValue: 0x0103)
    public static let release = Opcode(rawValue: 0x0104)
    public static let extend = Opcode(rawValue: 0x0105)
    public static let cancelBooking = Opcode(rawValue: 0x0106)
    public static let reservation = Opcode(rawValue: 0x0107)
    // Reads: 0x02xx
    public static let availability = Opcode(rawValue: 0x0201)
    public static let listShows = Opcode(rawValue: 0x0202)
    public static let layout = Opcode(rawValue: 0x0203)
    public static let seatMap = Opcode(rawValue: 0x0204)
    // Administration: 0x03xx
    public static let defineLayout = Opcode(rawValue: 0x0301)
    public static let createShow = Opcode(rawValue: 0x0302)
    public static let cancelShow = Opcode(rawValue: 0x0303)
    public static let snapshot = Opcode(rawValue: 0x0304)
    public static let createAPIKey = Opcode(rawValue: 0x0305)
    public static let listAPIKeys = Opcode(rawValue: 0x0306)
    public static let rotateAPIKey = Opcode(rawValue: 0x0307)
    public static let revokeAPIKey = Opcode(rawValue: 0x0308)
    // Subscriptions: 0x04xx
    public static let subscribe = Opcode(rawValue: 0x0401)
    public static let unsubscribe = Opcode(rawValue: 0x0402)
    public static let event = Opcode(rawValue: 0x0403)
    // Batches: 0x05xx
    public static let batch = Opcode(rawValue: 0x0501)

    static let names: [Opcode: String] = [
        .hello: "HELLO", .ping: "PING", .stats: "STATS",
        .hold: "HOLD", .holdBestAvailable: "HOLD_BEST_AVAILABLE", .confirm: "CONFIRM", .release: "RELEASE",
        .extend: "EXTEND", .cancelBooking: "CANCEL_BOOKING", .reservation: "RESERVATION",
        .availability: "AVAILABILITY", .listShows: "LIST_SHOWS", .layout: "LAYOUT", .seatMap: "SEAT_MAP",
        .defineLayout: "DEFINE_LAYOUT", .createShow: "CREATE_SHOW", .cancelShow: "CANCEL_SHOW", .snapshot: "SNAPSHOT",
        .createAPIKey: "CREATE_API_KEY", .listAPIKeys: "LIST_API_KEYS", .rotateAPIKey: "ROTATE_API_KEY",
        .revokeAPIKey: "REVOKE_API_KEY",
        .subscribe: "SUBSCRIBE", .unsubscribe: "UNSUBSCRIBE", .event: "EVENT", .batch: "BATCH",
    ]

    /// Every opcode this version of the protocol defines, in numeric order.
    public static let known: [Opcode] = names.keys.sorted { $0.rawValue < $1.rawValue }

    public var description: String {
        Opcode.names[self] ?? "opcode 0x" + String(rawValue, radix: 16)
    }
}
