/// One change to the seats of a show, as the engine reports it to its ``SeatChangeObserver``.
///
/// Every show numbers its changes 1, 2, 3, … without gaps. A change's number is drawn while
/// its reservation still owns the seats, so for any one seat the numbers follow the order in
/// which its state really changed, even when threads report out of order.
public struct SeatChange: Hashable, Sendable {
    public enum Kind: UInt8, Hashable, Sendable, CaseIterable, CustomStringConvertible {
        /// The seats became held.
        case held = 1
        /// The held seats became sold.
        case confirmed = 2
        /// A hold ended early; the seats are free.
        case released = 3
        /// A hold passed its deadline; the seats are free.
        case expired = 4
        /// A booking was cancelled; the seats are free.
        case cancelled = 5

        public var description: String {
            switch self {
            case .held: "held"
            case .confirmed: "confirmed"
            case .released: "released"
            case .expired: "expired"
            case .cancelled: "cancelled"
            }
        }

        /// The state the change leaves its seats in.
        public var seatState: SeatState {
            switch self {
            case .held: .held
            case .confirmed: .sold
            case .released, .expired, .cancelled: .free
            }
        }
    }

    public let kind: Kind
    public let show: ShowID
    /// The show's change number, from 1.
    public let sequence: UInt64
    public let reservation: ReservationID

    public init(kind: Kind, show: ShowID, sequence: UInt64, reservation: ReservationID) {
        self.kind = kind
        self.show = show
        self.sequence = sequence
        self.reservation = reservation
    }
}

extension SeatChange.Kind {
    /// The change that ends a reservation in `phase`.
    init(ending phase: ReservationState.Phase) {
        switch phase {
        case .released: self = .released
        case .expired: self = .expired
        case .cancelled: self = .cancelled
        case .vacant, .held, .booked: preconditionFailure("\(phase) does not end a reservation")
        }
    }
}

/// Receives every change to seat states, after it is visible to readers of the seat map.
///
/// Called on the thread that made the change, possibly on several threads at once and out of
/// sequence order; the observer reorders by ``SeatChange/sequence`` if it needs order. Every
/// sequence number drawn is reported exactly once. Must be quick and must not call back into
/// the engine: it runs inside holds, confirmations and the expiry sweep.
public protocol SeatChangeObserver: AnyObject, Sendable {
    func seatsChanged(_ change: SeatChange, seats: Span<UInt32>)
}
