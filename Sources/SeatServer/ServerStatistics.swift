import CoreMetrics
import Synchronization

/// Counters the server keeps, for STATS and for swift-metrics (which seatd exports in the
/// Prometheus text format). Relaxed atomics: each is exact on its own, and no reader needs two
/// of them to agree.
public final class ServerStatistics: Sendable {
    public enum Counter: Int, CaseIterable, Sendable {
        case connectionsAccepted, connectionsOpen, requests, refusals
        case holds, confirmations, releases, extensions, cancellations, expiries
        case eventsSent, eventsDropped, connectionsRefused

        public var name: String {
            switch self {
            case .connectionsAccepted: "connections_accepted"
            case .connectionsOpen: "connections_open"
            case .requests: "requests"
            case .refusals: "refusals"
            case .holds: "holds"
            case .confirmations: "confirmations"
            case .releases: "releases"
            case .extensions: "extensions"
            case .cancellations: "cancellations"
            case .expiries: "expiries"
            case .eventsSent: "events_sent"
            case .eventsDropped: "events_dropped"
            case .connectionsRefused: "connections_refused"
            }
        }
    }

    /// Each atomic in its own object, so an array can hold them, beside its metric.
    private final class Count: Sendable {
        let value = Atomic<Int>(0)
        let metric: Metric

        /// Open connections go up and down; everything else only counts up.
        enum Metric: @unchecked Sendable {  // swift-metrics handles are thread-safe
            case counter(CoreMetrics.Counter)
            case meter(Meter)
        }

        init(_ counter: Counter) {
            metric =
                counter == .connectionsOpen
                ? .meter(Meter(label: "seatd_\(counter.name)")) : .counter(CoreMetrics.Counter(label: "seatd_\(counter.name)_total"))
        }
    }

    private let counts = Counter.allCases.map(Count.init)

    public init() {}

    public func add(_ counter: Counter, _ amount: Int = 1) {
        let count = counts[counter.rawValue]
        count.value.add(amount, ordering: .relaxed)
        switch count.metric {
        case .counter(let metric): metric.increment(by: amount)
        case .meter(let metric): metric.increment(by: Double(amount))
        }
    }

    public subscript(counter: Counter) -> Int {
        counts[counter.rawValue].value.load(ordering: .relaxed)
    }
}
