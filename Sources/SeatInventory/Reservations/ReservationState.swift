/// The state word of a reservation slot: every transition of a hold or booking is one
/// compare-and-swap on it, so each race (confirm against expiry, two confirms, release against
/// confirm) has exactly one winner.
///
/// ```
///  63                  42  41  40  38 37                                   0
/// +----------------------+---+------+--------------------------------------+
/// | generation (22)      | B | phase| deadline, ms on the engine clock (38)|
/// +----------------------+---+------+--------------------------------------+
///  B (busy): the winner of the last transition is still writing seats or bits; nobody else
///  may act on the slot until it clears.
/// ```
struct ReservationState: Hashable {
    var raw: UInt64

    enum Phase: UInt64 {
        /// Never used since start-up.
        case vacant = 0
        case held
        /// Confirmed: the slot now holds a booking.
        case booked
        case released
        case expired
        case cancelled
    }

    static let deadlineBits: UInt64 = 38
    static let deadlineMask: UInt64 = 1 << deadlineBits - 1
    static let phaseShift: UInt64 = 38
    static let busyBit: UInt64 = 1 << 41
    static let generationShift: UInt64 = 42
    static let generationMask: UInt32 = InventoryLimits.generationsPerSlot - 1

    init(raw: UInt64) { self.raw = raw }

    init(generation: UInt32, phase: Phase, isBusy: Bool, deadline: UInt64) {
        raw = UInt64(generation & Self.generationMask) << Self.generationShift
            | (isBusy ? Self.busyBit : 0)
            | phase.rawValue << Self.phaseShift
            | deadline & Self.deadlineMask
    }

    var generation: UInt32 { UInt32(truncatingIfNeeded: raw >> Self.generationShift) & Self.generationMask }
    var phase: Phase { Phase(rawValue: raw >> Self.phaseShift & 0b111) ?? .vacant }
    var isBusy: Bool { raw & Self.busyBit != 0 }
    var deadline: UInt64 { raw & Self.deadlineMask }

    /// Whether `generation` lies ahead of the slot's, in the half of the generation circle that
    /// the slot has not reached yet: an id there was never handed out by this engine (it is
    /// mistyped, or was lost with a damaged journal), rather than ended and superseded.
    func isAhead(_ generation: UInt32) -> Bool {
        let distance = (generation &- self.generation) & Self.generationMask
        return distance != 0 && distance < InventoryLimits.generationsPerSlot / 2
    }

    /// Whether a new hold may claim the slot: nothing lives in it and nobody is writing it.
    var isClaimable: Bool { !isBusy && phase != .held && phase != .booked }

    func with(phase: Phase, isBusy: Bool) -> ReservationState {
        ReservationState(generation: generation, phase: phase, isBusy: isBusy, deadline: deadline)
    }

    func with(deadline: UInt64) -> ReservationState {
        ReservationState(generation: generation, phase: phase, isBusy: isBusy, deadline: deadline)
    }
}
