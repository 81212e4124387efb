import Foundation
import Prometheus
import SeatInventory
import SeatJournal
import SeatProtocol
import Synchronization

/// seatd's metrics in the Prometheus text format, each with its HELP and TYPE lines: requests
/// and refusals by kind and code with execution-time histograms (``ServerStatistics``), what
/// the engine did, connections and events, the journal (records, bytes, segments, sync latency),
/// snapshots, the PostgreSQL follower's lag, uptime and build.
///
/// The request path records into the registry as it goes; the rest is read from its owners
/// when scraped (``render()``), so nothing on the seat path waits for metrics.
public final class ServerMetrics: JournalObserver, Sendable {
    public let registry: PrometheusCollectorRegistry
    public let statistics: ServerStatistics
    private let started = ContinuousClock.now
    private let startedUnixSeconds = Date().timeIntervalSince1970

    private let journalRecords: Prometheus.Counter
    private let journalBytes: Prometheus.Counter
    private let journalSegmentsStarted: Prometheus.Counter
    private let journalSync: DurationHistogram

    /// What a scrape reads, and the service it reads it from once serving.
    private struct Scrape {
        var service: SeatService?
        /// Each counter read from a total kept elsewhere, with the total it last showed.
        var counters: [String: (counter: Prometheus.Counter, shown: Int)] = [:]
        var gauges: [String: Gauge] = [:]
    }
    private let scrape = Mutex(Scrape())

    /// Syncs from 50 µs (a page-cache write on a fast disk) to 1 s (a stalled one).
    static let syncBuckets: [Duration] = [
        .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
        .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .seconds(1),
    ]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        statistics = ServerStatistics(registry: registry)
        journalRecords = registry.makeCounter(
            descriptor: .seatd("journal_records", "total", "Records written to the journal's segment files."))
        journalBytes = registry.makeCounter(
            descriptor: .seatd("journal_written_bytes", "total", "Bytes written to the journal's segment files."))
        journalSegmentsStarted = registry.makeCounter(
            descriptor: .seatd("journal_segments_started", "total", "Journal segment files started since start."))
        journalSync = registry.makeDurationHistogram(
            descriptor: .seatd("journal_sync", "seconds", "Time fdatasync of the journal took; answers to changes wait for it under --durability fsync."),
            buckets: Self.syncBuckets)
        registry.makeGauge(
            descriptor: .seatd("build_info", "", "Always 1; the labels say what runs."),
            labels: [("protocol_version", "\(ProtocolVersion.current)")]
        ).set(to: 1.0)
        registry.makeGauge(descriptor: .seatd("start_time", "seconds", "When the server started, in Unix time."))
            .set(to: startedUnixSeconds)
    }

    /// From now on scrapes read `service`: its engine, journal, snapshots and follower.
    public func watch(_ service: SeatService) {
        scrape.withLock { $0.service = service }
    }

    public func wrote(records: Int, bytes: Int) {
        journalRecords.increment(by: Int64(records))
        journalBytes.increment(by: Int64(bytes))
    }

    public func synced(in duration: Duration) { journalSync.record(duration) }

    public func startedSegment() { journalSegmentsStarted.increment() }

    /// The exposition, with what is read at scrape time brought up to date first.
    /// One scrape at a time: each reading moves counters by what changed since the last.
    public func render() -> [UInt8] {
        scrape.withLock { scrape in
            var reading = Reading(registry: registry, scrape: scrape)
            reading.read(statistics: statistics, uptime: ContinuousClock.now - started)
            if let service = scrape.service { reading.read(service) }
            scrape = reading.scrape
            return registry.emitToBuffer()
        }
    }

    /// One scrape's readings, bringing counters up to their owners' totals and gauges to their values.
    private struct Reading {
        let registry: PrometheusCollectorRegistry
        var scrape: Scrape

        mutating func counter(_ name: String, _ help: String, _ value: Int) {
            let (counter, shown) = scrape.counters[name] ?? (registry.makeCounter(descriptor: .seatd(name, "total", help)), 0)
            // The totals only grow, so the counter moves by the difference and never shows less.
            if value > shown { counter.increment(by: Int64(value - shown)) }
            scrape.counters[name] = (counter, max(value, shown))
        }

        mutating func gauge(_ name: String, _ unit: String, _ help: String, _ value: Double) {
            let key = unit.isEmpty ? name : name + "_" + unit
            let gauge = scrape.gauges[key] ?? registry.makeGauge(descriptor: .seatd(name, unit, help))
            scrape.gauges[key] = gauge
            gauge.set(to: value)
        }

        mutating func read(statistics: ServerStatistics, uptime: Duration) {
            gauge("uptime", "seconds", "Seconds since the server started.", uptime.seconds)
            gauge("connections_open", "", "Connections open now.", Double(statistics[.connectionsOpen]))
            counter("connections_accepted", "Connections accepted.", statistics[.connectionsAccepted])
            counter("connections_refused", "Connections refused at the connection limit.", statistics[.connectionsRefused])
            counter("events_sent", "Seat events sent to subscribers.", statistics[.eventsSent])
            counter("events_dropped", "Seat events dropped for subscribers too slow to take them.", statistics[.eventsDropped])
            counter(
                "seat_maps_unchanged", "SEAT_MAP requests answered with the version alone, the client's map being current.",
                statistics[.seatMapsUnchanged])
            counter("seat_maps_cached", "SEAT_MAP requests answered from the map kept for the show's version.", statistics[.seatMapsCached])
        }

        mutating func read(_ service: SeatService) {
            let engine = service.engine
            for kind in InventoryActivity.allCases {
                counter(kind.name, Self.help(kind), engine.count(of: kind))
            }
            gauge("shows", "", "Shows created, cancelled ones included.", Double(engine.showIDs.count))
            gauge("layouts", "", "Layouts defined.", Double(service.catalog.layoutCount))
            if let writer = service.journal?.writer {
                gauge("journal_appended_lsn", "", "LSN of the last record appended to the journal.", Double(writer.appendedThrough))
                gauge("journal_durable_lsn", "", "LSN through which the journal is on disk.", Double(writer.durableThrough))
                gauge("journal_segments", "", "Journal segment files on disk.", Double(writer.segmentFileCount))
                let isAccepting = (try? writer.admit()) != nil
                gauge("journal_accepting", "", "1 while the journal takes changes; 0 once it failed or holds changes back.", isAccepting ? 1 : 0)
            }
            if let snapshotter = service.snapshotter {
                read(snapshotter)
            }
        }

        mutating func read(_ snapshotter: Snapshotter) {
            let history = snapshotter.history
            counter("snapshots", "Snapshots written.", history.taken)
            counter("snapshot_failures", "Snapshots that failed.", history.failed)
            if let (report, at) = history.lastTaken {
                let duration = report.captureTime + report.encodeTime + report.compressTime + report.storeTime
                gauge("snapshot_last_duration", "seconds", "How long the last snapshot took: capture, encoding, compression and storing.", duration.seconds)
                gauge("snapshot_last_size", "bytes", "The last snapshot's file size, compressed.", Double(report.compressedBytes))
                gauge("snapshot_last_success_time", "seconds", "When the last snapshot was written, in Unix time.", at)
            }
            guard let follower = snapshotter.follower else { return }
            let figures = Dictionary(follower.statistics.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
            func figure(_ name: String) -> Double { Double(figures[name] ?? 0) }
            gauge("postgres_connected", "", "1 while the PostgreSQL persister is connected.", figure("postgres_connected"))
            gauge("postgres_lag_records", "", "Journal records not yet in PostgreSQL.", figure("postgres_lag_records"))
            gauge("postgres_lag", "seconds", "Age of the oldest journal record not yet in PostgreSQL.", figure("postgres_lag_ms") / 1000)
            gauge("postgres_journal_kept", "bytes", "Journal bytes kept on disk for the persister alone.", figure("postgres_journal_bytes_kept"))
            gauge("postgres_holding_back_changes", "", "1 while changes are refused because PostgreSQL is too far behind.", figure("postgres_holding_back_changes"))
            counter("postgres_batches", "Batches written to PostgreSQL.", Int(figure("postgres_batches")))
            counter("postgres_failures", "PostgreSQL batches that failed (retried).", Int(figure("postgres_failures")))
        }

        static func help(_ kind: InventoryActivity) -> String {
            switch kind {
            case .holds: "Holds placed, by seat or best available; an idempotent repeat is not counted again."
            case .confirmations: "Holds confirmed as bookings."
            case .releases: "Holds released by their holder."
            case .extensions: "Extensions that moved a hold's deadline."
            case .cancellations: "Bookings cancelled."
            case .expiries: "Holds that reached their deadline."
            case .rolledBackHolds: "Holds undone because another operation of their atomic batch was refused (counted in seatd_holds_total too)."
            }
        }
    }
}

extension MetricNameDescriptor {
    /// `seatd_NAME_UNIT`, with its help text.
    static func seatd(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "seatd", metricName: name, unitName: unit, helpText: help)
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
