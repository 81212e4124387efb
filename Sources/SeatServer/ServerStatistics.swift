import Prometheus
import SeatInventory
import SeatProtocol
import Synchronization

/// What the server counts on its request path, for STATS and for the metrics
/// (``ServerMetrics``): connections, requests and refusals as relaxed atomics, each exact on
/// its own (no reader needs two of them to agree), and per request kind a count and a histogram
/// of execution times, per refusal code a count, in the Prometheus registry.
public final class ServerStatistics: Sendable {
    public enum Counter: Int, CaseIterable, Sendable {
        case connectionsAccepted, connectionsOpen, requests, refusals
        case eventsSent, eventsDropped, connectionsRefused
        case seatMapsUnchanged, seatMapsCached

        public var name: String {
            switch self {
            case .connectionsAccepted: "connections_accepted"
            case .connectionsOpen: "connections_open"
            case .requests: "requests"
            case .refusals: "refusals"
            case .eventsSent: "events_sent"
            case .eventsDropped: "events_dropped"
            case .connectionsRefused: "connections_refused"
            case .seatMapsUnchanged: "seat_maps_unchanged"
            case .seatMapsCached: "seat_maps_cached"
            }
        }
    }

    /// Each atomic in its own object, so an array can hold them.
    private final class Count: Sendable {
        let value = Atomic<Int>(0)
    }

    private let counts = Counter.allCases.map { _ in Count() }

    /// Per request kind slot (``slot(of:)``): requests answered and sampled execution times.
    /// Made up front for every opcode, so recording takes no lock of the registry.
    private let requestsByKind: [(answered: Prometheus.Counter, executionTime: DurationHistogram)?]
    private let refusalsByCode: [ErrorCode: Prometheus.Counter]

    /// Execution times from 1 µs to 1 s: a hold takes microseconds, a large layout's definition
    /// or a stadium's availability milliseconds.
    static let executionTimeBuckets: [Duration] = [
        .microseconds(1), .microseconds(2), .microseconds(5), .microseconds(10), .microseconds(20), .microseconds(50),
        .microseconds(100), .microseconds(200), .microseconds(500), .milliseconds(1), .milliseconds(2),
        .milliseconds(5), .milliseconds(10), .milliseconds(50), .milliseconds(100), .seconds(1),
    ]

    /// Opcodes are a group byte (0 to 5) and a number within it (at most 8): a dense slot each.
    static let slotCount = 6 * 9

    static func slot(of opcode: Opcode) -> Int? {
        let group = Int(opcode.rawValue >> 8)
        let number = Int(opcode.rawValue & 0xff)
        guard group < 6, number < 9 else { return nil }
        return group * 9 + number
    }

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        var byKind: [(answered: Prometheus.Counter, executionTime: DurationHistogram)?] = Array(repeating: nil, count: Self.slotCount)
        for opcode in Opcode.known where opcode != .event {
            let kind = [("kind", opcode.description.lowercased())]
            byKind[Self.slot(of: opcode)!] = (
                registry.makeCounter(descriptor: .seatd("requests", "total", "Requests answered, by kind (the opcode's name)."), labels: kind),
                registry.makeDurationHistogram(
                    descriptor: .seatd(
                        "request_execution", "seconds",
                        "Time to execute a request, by kind, before any wait for the journal (seatd_journal_sync_seconds); each connection times the first request of a kind and one in \(RequestTally.timedOneIn) after it."),
                    labels: kind, buckets: Self.executionTimeBuckets)
            )
        }
        requestsByKind = byKind
        refusalsByCode = Dictionary(
            uniqueKeysWithValues: ErrorCode.known.map { code in
                (code, registry.makeCounter(descriptor: .seatd("refusals", "total", "Requests refused, by error code."), labels: [("code", code.description)]))
            })
    }

    public func add(_ counter: Counter, _ amount: Int = 1) {
        counts[counter.rawValue].value.add(amount, ordering: .relaxed)
    }

    public subscript(counter: Counter) -> Int {
        counts[counter.rawValue].value.load(ordering: .relaxed)
    }

    /// Adds a connection's tally: once per read, so no request takes a lock or an atomic.
    func add(_ tally: RequestTally) {
        add(.requests, tally.requests)
        if tally.refused > 0 { add(.refusals, tally.refused) }
        for slot in tally.answeredSlots { requestsByKind[slot]?.answered.increment(by: Int64(tally.answered[slot])) }
        for (slot, duration) in tally.executionTimes { requestsByKind[slot]?.executionTime.record(duration) }
        for (code, count) in tally.refusals { refusalsByCode[code]?.increment(by: Int64(count)) }
    }
}

extension InventoryActivity {
    /// The name STATS and the metrics give the count.
    public var name: String {
        switch self {
        case .holds: "holds"
        case .confirmations: "confirmations"
        case .releases: "releases"
        case .extensions: "extensions"
        case .cancellations: "cancellations"
        case .expiries: "expiries"
        case .rolledBackHolds: "holds_rolled_back"
        }
    }
}
