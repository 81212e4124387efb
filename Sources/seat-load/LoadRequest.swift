import SeatProtocol

/// What a lane asks of the system under test next, in terms every target can serve.
enum LoadRequest {
    case hold(show: UInt32, seats: [UInt32])
    case holdBestAvailable(show: UInt32, count: UInt16)
    case confirm(LaneHold)
    case release(LaneHold)
    case cancel(LaneHold)
    case availability(show: UInt32)

    var step: Workload.Step {
        switch self {
        case .hold, .holdBestAvailable: .hold
        case .confirm: .confirm
        case .release: .release
        case .cancel: .cancel
        case .availability: .availability
        }
    }
}

/// A lane's hold or booking, as the target named it: everything a later confirmation, release
/// or cancellation needs, whichever target it goes to.
struct LaneHold {
    /// The target's id: seatd's hold or booking id; a client-made token for Redis.
    var id: UInt64
    var show: UInt32
    var seats: [UInt32]
}

/// How the target answered a ``LoadRequest``.
enum LoadOutcome {
    /// A hold (its id and the seats it got) or a booking (its id; seats as held).
    case held(id: UInt64, seats: [UInt32])
    case booked(id: UInt64)
    /// A release, cancellation or read that succeeded.
    case done
    /// Refused for a reason a booking app would see, named by the protocol's error code.
    case refused(ErrorCode)
}

extension Workload.Step {
    /// The refusal a booking app would see when a peer, which answers only yes or no, found the
    /// seats not as this step expected.
    var peerRefusal: ErrorCode {
        switch self {
        case .hold, .availability: .seatUnavailable
        case .confirm: .holdExpired
        case .release: .unknownHold
        case .cancel: .unknownBooking
        }
    }
}
