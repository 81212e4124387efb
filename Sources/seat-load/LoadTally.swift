import NIOConcurrencyHelpers
import SeatProtocol

/// What every connection of a run counted, behind one lock (taken once per answer, far less
/// often than anything else a request costs).
final class LoadTally: Sendable {
    /// Hold latencies kept for percentiles; beyond this, later ones are not recorded.
    static let latencySamplesMax = 4_000_000

    struct Counts: Sendable {
        var holds = 0
        var refusals: [String: Int] = [:]
        var failures: [String] = []
        var latencyNanoseconds: [UInt64] = []
    }

    private let counts = NIOLockedValueBox(Counts())

    func recordHold(latencyNanoseconds: UInt64) {
        counts.withLockedValue { counts in
            counts.holds += 1
            if counts.latencyNanoseconds.count < Self.latencySamplesMax { counts.latencyNanoseconds.append(latencyNanoseconds) }
        }
    }

    func recordRefusal(_ code: ErrorCode) {
        counts.withLockedValue { $0.refusals["\(code)", default: 0] += 1 }
    }

    func recordFailure(_ reason: String) {
        counts.withLockedValue { $0.failures.append(reason) }
    }

    var snapshot: Counts { counts.withLockedValue { $0 } }
}
