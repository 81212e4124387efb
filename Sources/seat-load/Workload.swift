import ArgumentParser

/// What each lane of a connection repeats, one cycle after another.
enum Workload: String, CaseIterable, ExpressibleByArgument, Sendable {
    /// Hold the lane's own seat of `--show`, release it. Every hold should succeed: the figure
    /// is the wire's and the engine's, not contention's.
    case holdRelease = "hold-release"
    /// Hold the lane's own seat, confirm the hold, cancel the booking: three journaled changes.
    case holdConfirmCancel = "hold-confirm-cancel"
    /// (a) Hold one seat chosen uniformly at random among every seat of the run's shows, then
    /// confirm it. A seat already taken is refused and counted, as a booking app would see it.
    case uniform
    /// (b) Hold the best 4 adjacent seats of a random show, then release them.
    case bestAvailable = "best-available"
    /// (c) One new show (the 100,000-seat stadium unless `--venue` says otherwise); every lane
    /// holds the best pair left and confirms it until no pair is left. Reports the sell-out time and checks the final seat map against every confirmation
    /// acknowledged: no seat sold twice, none sold unacknowledged.
    case flashSale = "flash-sale"
    /// (d) Eight cycles in ten read a random show's availability; the others are a uniform hold
    /// and its confirmation.
    case mixed

    /// The request whose rate and latency the run reports first; nil for every request.
    var headline: Step? {
        switch self {
        case .holdRelease, .uniform, .bestAvailable: .hold
        case .holdConfirmCancel, .flashSale: .confirm
        case .mixed: nil
        }
    }

    /// Whether each lane owns one seat of `--show` for the whole run.
    var usesOwnSeats: Bool { self == .holdRelease || self == .holdConfirmCancel }

    /// Whether the run makes its own shows (`--shows` new ones; one for the flash sale).
    var createsShows: Bool { !usesOwnSeats }

    /// The seats of one best-available hold.
    var seatsPerHold: UInt16 {
        switch self {
        case .bestAvailable: 4
        case .flashSale: 2
        default: 1
        }
    }

    /// A request of a cycle; its raw value is the low three bits of the request id.
    enum Step: UInt32, CaseIterable, Sendable {
        case hold = 0, confirm, release, cancel, availability

        var noun: String {
            switch self {
            case .hold: "hold"
            case .confirm: "confirmation"
            case .release: "release"
            case .cancel: "cancellation"
            case .availability: "availability read"
            }
        }
    }
}
