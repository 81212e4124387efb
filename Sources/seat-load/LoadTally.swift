import NIOConcurrencyHelpers
import SeatProtocol

/// What every connection of a run counted, behind one lock (taken once per answer, far less
/// often than anything else a request costs).
final class LoadTally: Sendable {
    /// Latencies of the measured request kept for percentiles; beyond this, later ones are not recorded.
    static let latencySamplesMax = 4_000_000

    struct Counts: Sendable {
        var measured = 0
        var refusals: [String: Int] = [:]
        var failures: [String] = []
        var latencyNanoseconds: [UInt64] = []
    }

    private let counts = NIOLockedValueBox(Counts())

    func recordMeasured(latencyNanoseconds: UInt64) {
        counts.withLockedValue { counts in
            counts.measured += 1
            if counts.latencyNanoseconds.count < Self.latencySamplesMax { counts.latencyNanoseconds.append(latencyNanoseconds) }
        }
    }

    func recordRefusal(_ code: ErrorCode, of step: LoadCycle.Step) {
        counts.withLockedValue { $0.refusals["\(step.noun): \(code)", default: 0] += 1 }
    }

    func recordFailure(_ reason: String) {
        counts.withLockedValue { $0.failures.append(reason) }
    }

    var snapshot: Counts { counts.withLockedValue { $0 } }
}
