/// Sales rules of one show, fixed when the show is created.
public struct ShowRules: Hashable, Sendable {
    /// Refuse holds that would strand a single free seat between taken seats, aisles or row ends.
    public var forbidsSingleSeatGaps: Bool
    /// Most seats one hold may take; at most ``InventoryConfiguration/seatsPerReservationMax``.
    public var seatsPerHoldMax: Int
    /// Seats kept empty for distancing; a hold touching one is refused by the distancing rule.
    public var distancingMask: [SeatIndex]
    /// Longest a hold may live from its creation, extensions included.
    public var holdLifetimeMax: Duration

    public init(
        forbidsSingleSeatGaps: Bool = true,
        seatsPerHoldMax: Int = 10,
        distancingMask: [SeatIndex] = [],
        holdLifetimeMax: Duration = .seconds(20 * 60)
    ) {
        self.forbidsSingleSeatGaps = forbidsSingleSeatGaps
        self.seatsPerHoldMax = seatsPerHoldMax
        self.distancingMask = distancingMask
        self.holdLifetimeMax = holdLifetimeMax
    }
}

/// Why a show could not be created.
public enum ShowCreationError: Error, Hashable, Sendable, CustomStringConvertible {
    case seatsPerHoldOutOfRange(Int, allowed: ClosedRange<Int>)
    case holdLifetimeOutOfRange(milliseconds: UInt64, allowedMax: UInt64)
    case distancingSeatUnknown(SeatIndex)
    case showTableFull(capacity: Int)
    /// The change log (the journal) takes no more changes.
    case changeLogUnavailable(String)

    public var description: String {
        switch self {
        case .seatsPerHoldOutOfRange(let value, let allowed): "seats per hold \(value) is outside \(allowed)"
        case .holdLifetimeOutOfRange(let value, let max): "hold lifetime \(value) ms is outside 1...\(max) ms"
        case .distancingSeatUnknown(let seat): "distancing mask names \(seat), which is not in the layout"
        case .showTableFull(let capacity): "the show table is full (\(capacity) shows)"
        case .changeLogUnavailable(let reason): reason
        }
    }
}
