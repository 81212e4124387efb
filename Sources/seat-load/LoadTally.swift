import Histogram
import NIOConcurrencyHelpers
import SeatProtocol

/// What a run counted. Each connection counts into its own ``Counts`` on its event loop and
/// hands them over once, when it closes; only the headline count is shared while the run goes
/// (for the progress line and `--operations`), published in batches, so no lock is taken per answer.
final class LoadTally: Sendable {
    /// Latencies above this are recorded as this: a run lasts at most an hour.
    static let latencyNanosecondsMax: UInt64 = 3_600_000_000_000
    /// Headline answers a connection counts before publishing them; `--operations` may be
    /// overshot by up to this many per connection.
    static let publishEvery = 64
    /// Slow answers a connection keeps for `--slow-log`; past this it only counts them.
    static let slowAnswersPerConnectionMax = 100_000

    /// An answer that took `--slow-microseconds` or longer, for matching against a trace.
    struct SlowAnswer: Sendable {
        /// When the answer was read: CLOCK_MONOTONIC nanoseconds, the clock of `perf record -k CLOCK_MONOTONIC`.
        var answeredNanoseconds: UInt64
        var latencyNanoseconds: UInt64
    }

    struct Figures: Sendable {
        var count = 0
        /// Nanoseconds, three significant digits.
        var latency = Histogram<UInt64>(highestTrackableValue: LoadTally.latencyNanosecondsMax, numberOfSignificantValueDigits: .three)

        mutating func record(_ nanoseconds: UInt64) {
            count += 1
            _ = latency.record(min(nanoseconds, LoadTally.latencyNanosecondsMax))
        }

        mutating func add(_ other: Figures) {
            count += other.count
            latency.add(other.latency)
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
        /// With `--slow-log`: measured answers at or over its threshold, up to ``slowAnswersPerConnectionMax``
        /// per connection, and how many more there were.
        var slowAnswers: [SlowAnswer] = []
        var slowAnswersUnkept = 0
        /// Flash sale: the seats of every confirmation acknowledged, in no order.
        var soldSeats: [UInt32] = []
        /// Flash sale: when the last confirmation was acknowledged, uptime nanoseconds.
        var lastConfirmationNanoseconds: UInt64 = 0

        subscript(step: Workload.Step) -> Figures { steps[Int(step.rawValue)] }

        /// The headline's figures: one step's, or every answer's when it is nil.
        func figures(of headline: Workload.Step?) -> Figures {
            if let headline { return self[headline] }
            return steps.reduce(into: Figures()) { $0.add($1) }
        }

        mutating func recordAnswer(_ step: Workload.Step, latencyNanoseconds: UInt64) {
            steps[Int(step.rawValue)].record(latencyNanoseconds)
        }

        mutating func recordSlowAnswer(_ answer: SlowAnswer) {
            if slowAnswers.count < LoadTally.slowAnswersPerConnectionMax {
                slowAnswers.append(answer)
            } else {
                slowAnswersUnkept += 1
            }
        }

        mutating func recordRefusal(_ code: ErrorCode, of step: Workload.Step) {
            refusals["\(step.noun): \(code)", default: 0] += 1
        }

        mutating func recordSale(_ seats: [UInt32], at nanoseconds: UInt64) {
            soldSeats += seats
            lastConfirmationNanoseconds = max(lastConfirmationNanoseconds, nanoseconds)
        }

        mutating func add(_ other: Counts) {
            for index in steps.indices { steps[index].add(other.steps[index]) }
            cycles.add(other.cycles)
            refusals.merge(other.refusals, uniquingKeysWith: +)
            failures += other.failures
            unstartedArrivals += other.unstartedArrivals
            slowAnswers += other.slowAnswers
            slowAnswersUnkept += other.slowAnswersUnkept
            soldSeats += other.soldSeats
            lastConfirmationNanoseconds = max(lastConfirmationNanoseconds, other.lastConfirmationNanoseconds)
        }
    }

    private let counts = NIOLockedValueBox(Counts())
    private let headlineAnswers = NIOLockedValueBox(0)
    private let operationsMax: Int?

    init(operationsMax: Int?) {
        self.operationsMax = operationsMax
    }

    /// Adds a connection's headline answers; false once the run's bound is reached, after
    /// which the connection should start no new cycle.
    func publishHeadline(_ answers: Int) -> Bool {
        let total = headlineAnswers.withLockedValue {
            $0 += answers
            return $0
        }
        return operationsMax.map { total < $0 } ?? true
    }

    /// A closing connection's counts.
    func merge(_ connection: Counts) {
        counts.withLockedValue { $0.add(connection) }
    }

    /// Headline answers published so far, for the progress line.
    var headlineCount: Int { headlineAnswers.withLockedValue { $0 } }

    var snapshot: Counts { counts.withLockedValue { $0 } }
}
