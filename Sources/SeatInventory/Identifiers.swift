/// A show in one engine: a dense index assigned by ``InventoryEngine/createShow(layout:rules:)``.
public struct ShowID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32

    @inlinable
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static func < (lhs: ShowID, rhs: ShowID) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { "show \(rawValue)" }
}

/// A seat's position in its layout, `0..<seatCount`, ordered by section, row, then left to right.
public struct SeatIndex: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32

    @inlinable
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    @inlinable
    public init(_ value: Int) { self.rawValue = UInt32(truncatingIfNeeded: value) }

    @inlinable
    public var value: Int { Int(rawValue) }

    public static func < (lhs: SeatIndex, rhs: SeatIndex) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { "seat #\(rawValue)" }
}

/// The slot of a hold or booking in a shard's reservation table, with the slot's generation.
///
/// The generation is a fencing token: a slot is reused for later holds, and every reuse bumps
/// it, so an id kept past its hold's end can never act on the slot's next occupant.
///
/// ```
///  63  62     54 53     46 45                22 21               0
/// +---+---------+---------+--------------------+------------------+
/// | B | 0 (8)   | shard 8 | slot (24)          | generation (22)  |
/// +---+---------+---------+--------------------+------------------+
///  B = 1 for a booking id, 0 for a hold id
/// ```
public struct ReservationID: Hashable, Sendable {
    public let shard: Int
    public let slot: Int
    public let generation: UInt32

    static let generationBits = 22
    static let slotBits = 24
    static let shardBits = 8
    static let bookingBit: UInt64 = 1 << 63

    @inlinable
    init(shard: Int, slot: Int, generation: UInt32) {
        self.shard = shard
        self.slot = slot
        self.generation = generation
    }

    var packed: UInt64 {
        UInt64(generation) | UInt64(slot) << Self.generationBits
            | UInt64(shard) << (Self.generationBits + Self.slotBits)
    }

    /// Unpacks an id, or nil when bits outside the documented fields are set.
    init?(packed: UInt64, isBooking: Bool) {
        let fieldBits = Self.generationBits + Self.slotBits + Self.shardBits
        guard (packed & Self.bookingBit != 0) == isBooking,
            (packed & ~Self.bookingBit) >> fieldBits == 0
        else { return nil }
        self.generation = UInt32(packed & (1 << Self.generationBits - 1))
        self.slot = Int(packed >> Self.generationBits & (1 << Self.slotBits - 1))
        self.shard = Int(packed >> (Self.generationBits + Self.slotBits) & (1 << Self.shardBits - 1))
    }
}

/// A hold: seats kept for one customer until its deadline, then confirmed, released or expired.
public struct HoldID: Hashable, Sendable, CustomStringConvertible {
    public let reservation: ReservationID

    /// The hold of a reservation, as a ``SeatChange`` names it.
    public init(_ reservation: ReservationID) { self.reservation = reservation }

    /// The 64-bit form clients carry; ``init(rawValue:)`` reverses it.
    public var rawValue: UInt64 { reservation.packed }

    /// Parses an id received from a client; nil when it cannot be a hold id of any engine.
    public init?(rawValue: UInt64) {
        guard let reservation = ReservationID(packed: rawValue, isBooking: false) else { return nil }
        self.reservation = reservation
    }

    /// "hold H-14000018": the textual form of ``ReservationReference``.
    public var description: String { "hold \(ReservationReference.hold(self))" }
}

/// A booking: the seats of a confirmed hold, sold until the booking is cancelled.
///
/// A booking keeps its hold's reservation slot, so its id shares the hold's shard, slot and
/// generation and differs in the booking bit.
public struct BookingID: Hashable, Sendable, CustomStringConvertible {
    public let reservation: ReservationID

    init(_ reservation: ReservationID) { self.reservation = reservation }

    /// The 64-bit form clients carry; ``init(rawValue:)`` reverses it.
    public var rawValue: UInt64 { reservation.packed | ReservationID.bookingBit }

    /// Parses an id received from a client; nil when it cannot be a booking id of any engine.
    public init?(rawValue: UInt64) {
        guard let reservation = ReservationID(packed: rawValue, isBooking: true) else { return nil }
        self.reservation = reservation
    }

    /// "booking B-14000018": the textual form of ``ReservationReference``.
    public var description: String { "booking \(ReservationReference.booking(self))" }
}
