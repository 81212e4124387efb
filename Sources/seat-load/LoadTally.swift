import Histogram
import NIOConcurrencyHelpers
import SeatProtocol

/// What every connection of a run counted, behind one lock (taken once per answer, far less
/// often than anything else a request costs).
final class LoadTally: Sendable {
    /// Latencies above this are recorded as this: a run lasts at most an hour.
    static let latencyNanosecondsMax: UInt64 = 3_600_000_000_000

    struct Figures: Sendable {
        var count = 0
        /// Nanoseconds, three significant digits.
        var latency = Histogram<UInt64>(highestTrackableValue: LoadTally.latencyNanosecondsMax, numberOfSignificantValueDigits: .three)

        mutating func record(_ nanoseconds: UInt64) {
            count += 1
            _ = latency.record(min(nanoseconds, LoadTally.latencyNanosecondsMax))
        }
    }

    struct Counts: Sendable {
        /// Answers within the measured window, by step, each from its own request's sending.
        var steps = Array(repeating: Figures(), count: Workload.Step.allCases.count)
        /// Open loop: whole cycles, from their intended start to their last answer.
        var cycles = Figures()
        /// Refusals within the measured window, by step and error code.
        var refusals: [String: Int] = [:]
        var failures: [String] = []
        /// Open loop: arrivals due before the end that never got a lane to start on.
        var unstartedArrivals = 0
        /// Flash sale: the seats of every confirmation acknowledged, in no order.
        var soldSeats: [UInt32] = []
        /// Flash sale: when the last confirmation was acknowledged, uptime nanoseconds.
        var lastConfirmationNanoseconds: UInt64 = 0

        subscript(step: Workload.Step) -> Figures { steps[Int(step.rawValue)] }

        /// The headline's figures: one step's, or every answer's when it is nil.
        func figures(of headline: Workload.Step?) -> Figures {
            if let headline { return self[headline] }
            return steps.reduce(into: Figures()) { all, step in
                all.count += step.count
                all.latency.add(step.latency)
            }
        }
    }

    private let counts = NIOLockedValueBox(Counts())
    private let headline: Workload.Step?
    private let operationsMax: Int?

    init(headline: Workload.Step?, operationsMax: Int?) {
        self.headline = headline
        self.operationsMax = operationsMax
    }

    /// Records an answer within the measured window; returns false once the run's bound on
    /// headline operations is reached, after which no new cycle should start.
    func recordAnswer(_ step: Workload.Step, latencyNanoseconds: UInt64) -> Bool {
        counts.withLockedValue { counts in
            counts.steps[Int(step.rawValue)].record(latencyNanoseconds)
            guard let operationsMax else { return true }
            return counts.figures(ofCount: headline) < operationsMax
        }
    }

    func recordCycle(latencyNanoseconds: UInt64) {
        counts.withLockedValue { $0.cycles.record(latencyNanoseconds) }
    }

    func recordSale(_ seats: [UInt32], at nanoseconds: UInt64) {
        counts.withLockedValue { counts in
            counts.soldSeats += seats
            counts.lastConfirmationNanoseconds = max(counts.lastConfirmationNanoseconds, nanoseconds)
        }
    }

    func recordRefusal(_ code: ErrorCode, of step: Workload.Step) {
        counts.withLockedValue { $0.refusals["\(step.noun): \(code)", default: 0] += 1 }
    }

    func recordFailure(_ reason: String) {
        counts.withLockedValue { $0.failures.append(reason) }
    }

    func recordUnstarted(_ arrivals: Int) {
        counts.withLockedValue { $0.unstartedArrivals += arrivals }
    }

    /// Headline answers so far, for the progress line.
    var headlineCount: Int { counts.withLockedValue { $0.figures(ofCount: headline) } }

    var snapshot: Counts { counts.withLockedValue { $0 } }
}

extension LoadTally.Counts {
    /// The headline's count without merging histograms.
    fileprivate func figures(ofCount headline: Workload.Step?) -> Int {
        if let headline { return self[headline].count }
        return steps.reduce(0) { $0 + $1.count }
    }
}
