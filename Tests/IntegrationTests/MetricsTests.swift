import Foundation
import SeatClient
import SeatProtocol
import SeatTestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real seatd, persisting to a real PostgreSQL, scraped over HTTP: every family has its HELP
/// and TYPE lines, changes are counted once (an idempotent repeat is not a second hold, a hold
/// an atomic batch undid is counted as rolled back, not released), the health checks answer,
/// and every metric the Grafana dashboard in docs/ plots exists.
@Suite(.timeLimit(.minutes(3))) struct MetricsTests {
    static let dashboard = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/grafana/seatd.json")

    @Test func metricsCountOnceAndCoverTheDashboard() async throws {
        try await PostgresCluster.with { cluster in
            let root = try TemporaryDirectory()
            defer { root.remove() }
            let metricsPort = try LoopbackPort.free()
            let server = try await SeatdProcess(
                dataDirectory: root.path + "/data", arguments: ["--sample-shows", "--postgres", cluster.url],
                metricsPort: metricsPort)
            let connection = try await SeatConnection.connect(host: "127.0.0.1", port: server.port, apiKey: SeatdProcess.apiKey)
            let layout = try await connection.layout(0)
            let seats = try SeatLayoutLookup(json: layout)
            let key = WireIdempotencyKey(high: 7, low: 7)
            let held = try await connection.hold([seats["A5"], seats["A6"]], show: 0, for: .seconds(60), idempotencyKey: key)
            let repeated = try await connection.hold([seats["A5"], seats["A6"]], show: 0, for: .seconds(60), idempotencyKey: key)
            #expect(repeated.hold == held.hold)
            _ = try await connection.confirm(held.hold)
            let batch = try await connection.batch(
                [
                    .hold(HoldRequest(show: 0, holdMilliseconds: 60_000, seats: [seats["B5"], seats["B6"]])),
                    .hold(HoldRequest(show: 0, holdMilliseconds: 60_000, seats: [seats["A5"], seats["A6"]])),
                ], atomic: true)
            #expect(batch.count == 2)
            _ = try await connection.snapshot()
            await connection.close()

            // The persister reports once connected and caught up.
            var text = ""
            let deadline = ContinuousClock.now + .seconds(20)
            repeat {
                text = try await Self.get("/metrics", port: metricsPort).body
                if Self.value("seatd_postgres_connected", in: text) == 1, Self.value("seatd_postgres_lag_records", in: text) == 0 { break }
                try await Task.sleep(for: .milliseconds(100))
            } while ContinuousClock.now < deadline

            #expect(Self.value("seatd_holds_total", in: text) == 2)
            #expect(Self.value("seatd_holds_rolled_back_total", in: text) == 1)
            #expect(Self.value("seatd_releases_total", in: text) == 0)
            #expect(Self.value("seatd_confirmations_total", in: text) == 1)
            #expect(Self.value(#"seatd_requests_total{kind="hold"}"#, in: text) == 2)
            #expect(Self.value(#"seatd_requests_total{kind="batch"}"#, in: text) == 1)
            #expect(Self.value(#"seatd_requests_total{kind="snapshot"}"#, in: text) == 1)
            // A connection times the first request of each kind, then one in 32.
            #expect(Self.value(#"seatd_request_execution_seconds_count{kind="hold"}"#, in: text) == 1)
            #expect(Self.value(#"seatd_request_execution_seconds_count{kind="snapshot"}"#, in: text) == 0)  // answered off the loop
            #expect(Self.value("seatd_snapshots_total", in: text) == 1)
            #expect((Self.value("seatd_journal_sync_seconds_count", in: text) ?? 0) > 0)
            #expect(Self.value("seatd_postgres_connected", in: text) == 1)

            // Every sample belongs to a family with HELP and TYPE lines.
            let families = Self.families(in: text)
            for sample in text.split(separator: "\n") where !sample.hasPrefix("#") {
                let name = String(sample.prefix { $0 != "{" && $0 != " " })
                #expect(families[Self.family(of: name, among: families)] == 2, "\(name) lacks HELP or TYPE")
            }

            let dashboard = try String(contentsOf: Self.dashboard, encoding: .utf8)
            let named = Set(dashboard.matches(of: /seatd_[a-z0-9_]+/).map { String($0.output) })
            #expect(named.count > 30)
            for name in named.sorted() {
                #expect(families[Self.family(of: name, among: families)] == 2, "the dashboard plots \(name), which seatd does not export")
            }

            #expect(try await Self.get("/healthz", port: metricsPort).status == 200)
            let readiness = try await Self.get("/readyz", port: metricsPort)
            #expect(readiness.status == 200 && readiness.body == "ready\n")
            #expect(try await Self.get("/nothing", port: metricsPort).status == 404)
            _ = try await server.process.stopped(signal: SIGTERM)
        }
    }

    /// How many of HELP and TYPE each family has.
    static func families(in text: String) -> [String: Int] {
        var families: [String: Int] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") {
            let name = line.dropFirst(7).prefix { $0 != " " }
            families[String(name), default: 0] += 1
        }
        return families
    }

    /// A histogram's samples (`_bucket`, `_sum`, `_count`) belong to the family without the suffix.
    static func family(of name: String, among families: [String: Int]) -> String {
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            let base = String(name.dropLast(suffix.count))
            if families[base] != nil { return base }
        }
        return name
    }

    /// The value of the sample named exactly `sample` (with its labels), if exported.
    static func value(_ sample: String, in text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(sample + " ") {
            return Double(line.dropFirst(sample.count + 1))
        }
        return nil
    }

    static func get(_ path: String, port: Int) async throws -> (status: Int, body: String) {
        let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }
}

/// Seat indices by label, from a layout document as LAYOUT returns it.
struct SeatLayoutLookup {
    private let indices: [String: UInt32]

    init(json: [UInt8]) throws {
        struct Document: Decodable {
            struct Section: Decodable { let rows: [Row] }
            struct Row: Decodable { let seats: [Seat] }
            struct Seat: Decodable { let label: String }
            let sections: [Section]
        }
        let labels = try JSONDecoder().decode(Document.self, from: Data(json)).sections.flatMap(\.rows).flatMap(\.seats).map(\.label)
        indices = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, UInt32($0)) })
    }

    subscript(label: String) -> UInt32 { indices[label]! }
}
