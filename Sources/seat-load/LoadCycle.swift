import ArgumentParser

/// What each lane of a connection repeats. Every cycle ends by undoing its change, so a lane
/// owns one seat for the whole run and the show is left as found.
enum LoadCycle: String, CaseIterable, ExpressibleByArgument, Sendable {
    /// Hold the lane's seat, release it. Measures holds: the wire and the engine.
    case holdRelease = "hold-release"
    /// Hold the seat, confirm the hold, cancel the booking: three journaled changes. Measures
    /// confirmations, which under `--durability fsync` are answered only once on disk.
    case holdConfirmCancel = "hold-confirm-cancel"

    /// The request whose rate and latency the run reports.
    var measured: Step {
        switch self {
        case .holdRelease: .hold
        case .holdConfirmCancel: .confirm
        }
    }

    /// A request of the cycle; its raw value is the low two bits of the request id.
    enum Step: UInt32, Sendable {
        case hold = 0, release, confirm, cancel

        var noun: String {
            switch self {
            case .hold: "hold"
            case .release: "release"
            case .confirm: "confirmation"
            case .cancel: "cancellation"
            }
        }
    }
}
