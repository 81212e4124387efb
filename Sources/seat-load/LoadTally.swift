import Histogram
import NIOConcurrencyHelpers
import SeatProtocol

/// What every connection of a run counted, behind one lock (taken once per answer, far less
/// often than anything else a request costs).
final class LoadTally: Sendable {
    /// Latencies above this are recorded as this: a run lasts at most an hour.
    static let latencyNanosecondsMax: UInt64 = 3_600_000_000_000

    struct Counts: Sendable {
        var measured = 0
        /// Latency of the measured request, nanoseconds, three significant digits.
        var latency = Histogram<UInt64>(highestTrackableValue: LoadTally.latencyNanosecondsMax, numberOfSignificantValueDigits: .three)
        var refusals: [String: Int] = [:]
        var failures: [String] = []
        /// Open loop: arrivals due before the end that never got a lane to start on.
        var unstartedArrivals = 0
    }

    private let counts = NIOLockedValueBox(Counts())

    func recordMeasured(latencyNanoseconds: UInt64) {
        counts.withLockedValue { counts in
            counts.measured += 1
            _ = counts.latency.record(min(latencyNanoseconds, Self.latencyNanosecondsMax))
        }
    }

    func recordRefusal(_ code: ErrorCode, of step: LoadCycle.Step) {
        counts.withLockedValue { $0.refusals["\(step.noun): \(code)", default: 0] += 1 }
    }

    func recordFailure(_ reason: String) {
        counts.withLockedValue { $0.failures.append(reason) }
    }

    func recordUnstarted(_ arrivals: Int) {
        counts.withLockedValue { $0.unstartedArrivals += arrivals }
    }

    var snapshot: Counts { counts.withLockedValue { $0 } }
}
