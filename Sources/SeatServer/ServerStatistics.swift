import Synchronization

/// Counters the server keeps for STATS (and, later, metrics). Relaxed atomics: each is exact
/// on its own, and no reader needs two of them to agree.
public final class ServerStatistics: Sendable {
    public enum Counter: Int, CaseIterable, Sendable {
        case connectionsAccepted, connectionsOpen, requests, refusals
        case holds, confirmations, releases, extensions, cancellations, expiries
        case eventsSent, eventsDropped

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
            }
        }
    }

    /// Each atomic in its own object, so an array can hold them.
    private final class Count: Sendable {
        let value = Atomic<Int>(0)
    }

    private let counts = Counter.allCases.map { _ in Count() }

    public init() {}

    public func add(_ counter: Counter, _ amount: Int = 1) {
        counts[counter.rawValue].value.add(amount, ordering: .relaxed)
    }

    public subscript(counter: Counter) -> Int {
        counts[counter.rawValue].value.load(ordering: .relaxed)
    }
}
