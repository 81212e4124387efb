import Foundation
import SeatClient
import SeatProtocol
import SeatTestSupport
import Testing

/// A short run of every `seat-load` workload against a real `seatd`, closed and open loop, on
/// small shows: the harness itself works end to end, and a flash sale's audit agrees with the
/// server's final seat map. Rates are not checked here; `Benchmarks/` measures them.
@Suite(.serialized, .timeLimit(.minutes(5))) struct SeatLoadSmokeTests {
    /// Runs seat-load with `--json` and returns its exit status and the decoded line (empty if
    /// it printed none, as when it refuses its arguments).
    static func seatLoad(port: Int, _ arguments: [String]) async throws -> (status: Int32, report: [String: Any]) {
        let output = try TemporaryDirectory()
        defer { output.remove() }
        let process = try ChildProcess(
            [try SeatdProcess.builtExecutable("seat-load"), "--port", String(port), "--key", SeatdProcess.apiKey, "--json"] + arguments,
            output: output.path + "/report")
        let status = try await process.exitStatus()
        let data = try Data(contentsOf: URL(fileURLWithPath: output.path + "/report"))
        let report = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return (status, report)
    }

    /// A helper process (Redis, the echo server) on a free loopback port.
    final class Peer {
        let process: ChildProcess
        let port: Int

        init(_ executable: String, log: String, arguments: (Int) -> [String]) async throws {
            port = try LoopbackPort.free()
            process = try ChildProcess([executable] + arguments(port), output: log)
            // Listening once a connection is accepted; at most 10 s.
            for _ in 0..<500 where !LoopbackPort.accepts(port) { try await Task.sleep(for: .milliseconds(20)) }
        }
    }

    static func count(_ report: [String: Any], _ step: String) -> Int {
        ((report["steps"] as? [String: Any])?[step] as? [String: Any])?["count"] as? Int ?? 0
    }

    /// Every workload runs to the end with answers and no failure; own-seat workloads
    /// (`hold-…`, each lane its own seat) see no refusal either.
    static let everyWorkload = ["hold-release", "hold-confirm-cancel", "uniform", "best-available", "mixed"]
    static func expectEachRunsCleanly(_ workloads: [String], port: Int, _ arguments: [String]) async throws {
        for workload in workloads {
            let (status, report) = try await seatLoad(port: port, ["--workload", workload] + arguments)
            let run = "\(arguments.first == "--target" ? arguments[1] : "seatd") \(workload)"
            #expect(status == 0, "\(run)")
            #expect((report["failures"] as? [String]) == [], "\(run): \(report["failures"] ?? "")")
            #expect((report["operations"] as? Int ?? 0) > 0, "\(run) answered nothing")
            if workload.hasPrefix("hold-") {
                #expect((report["refusals"] as? [String: Int]) == [:], "\(run): \(report["refusals"] ?? "")")
            }
        }
    }

    @Test func everyWorkloadRunsClosedAndOpenLoopWithoutFailures() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("seat-load-smoke-\(UUID())").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let server = try await SeatdProcess(dataDirectory: root + "/data", arguments: ["--sample-shows", "--durability", "none"])
        try await ChildProcess.stopping([server.process]) {
            let small = ["--venue", "cinema", "--shows", "2", "--connections", "2", "--depth", "4", "--seconds", "0.5", "--seed", "42"]

            try await Self.expectEachRunsCleanly(Self.everyWorkload, port: server.port, small)
            // Reads by SEAT_MAP, each lane sending the version it last got for the show.
            try await Self.expectEachRunsCleanly(["mixed"], port: server.port, small + ["--reads", "seat-map"])
            let connection = try await server.connect()
            let statistics = try await connection.stats()
            await connection.close()
            let unchanged = statistics.first { $0.name == "seat_maps_unchanged" }?.value ?? 0
            #expect(unchanged > 0, "some reads found the lane's map current: \(statistics)")

            // Open loop never starts more cycles than the schedule has arrivals: 400/s for the
            // warm-up second and the half-second measured.
            let (status, report) = try await Self.seatLoad(
                port: server.port, ["--workload", "hold-release", "--rate", "400"] + small)
            #expect(status == 0)
            let cycles = try #require(report["cycles"] as? [String: Any])
            #expect((cycles["count"] as? Int ?? 0) > 0)
            #expect(Self.count(report, "hold") + (report["unstartedArrivals"] as? Int ?? 0) <= 600)
        }
    }

    @Test func aFlashSaleSellsEveryPairOnceAndItsAuditMatchesTheServer() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("seat-load-flash-\(UUID())").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let server = try await SeatdProcess(dataDirectory: root + "/data", arguments: ["--durability", "none"])
        try await ChildProcess.stopping([server.process]) {

            let (status, report) = try await Self.seatLoad(
                port: server.port,
                ["--workload", "flash-sale", "--venue", "cinema", "--connections", "4", "--depth", "8", "--seconds", "60"])
            #expect(status == 0, "seat-load exits 3 when the audit finds a discrepancy")
            let sale = try #require(report["flashSale"] as? [String: Any])
            #expect(sale["exact"] as? Bool == true, "\(sale)")
            #expect(sale["soldTwice"] as? Int == 0)
            #expect(sale["heldAtEnd"] as? Int == 0)
            let sold = try #require(sale["sold"] as? Int)
            #expect(sold == 2 * Self.count(report, "confirmation"), "every confirmation sold a pair")
            #expect(sold > 250, "the cinema's 300 seats, less those no pair fits")

            // Sold out: the show has no pair left for anyone.
            let connection = try await server.connect()
            let show = try #require(try await connection.shows().last?.show)
            await #expect {
                try await connection.holdBestAvailable(BestAvailableHoldRequest(show: show, holdMilliseconds: 1000, count: 2))
            } throws: { error in
                guard case .refused(let reply) = error as? SeatClientError else { return false }
                return reply.code == .noBlockAvailable
        }
        await connection.close()
        }
    }

    @Test func theRedisAndEchoPeersRunTheSameWorkloads() async throws {
        let logs = try TemporaryDirectory()
        defer { logs.remove() }
        let redis = try await Peer("/usr/bin/redis-server", log: logs.path + "/redis.log") {
            ["--port", String($0), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        }
        let echo = try await Peer(try SeatdProcess.builtExecutable("seat-load"), log: logs.path + "/echo.log") {
            ["echo-server", "--port", String($0)]
        }
        try await ChildProcess.stopping([redis.process, echo.process]) {
            let small = ["--shows", "2", "--connections", "2", "--depth", "4", "--seconds", "0.5", "--seed", "42"]

            // Redis has no seat map to read: every workload but the mixed one.
            try await Self.expectEachRunsCleanly(Self.everyWorkload.filter { $0 != "mixed" }, port: redis.port, ["--target", "redis"] + small)
            try await Self.expectEachRunsCleanly(Self.everyWorkload, port: echo.port, ["--target", "echo"] + small)
            // A workload a peer cannot serve is refused before it starts, with the reason.
            let (status, _) = try await Self.seatLoad(port: redis.port, ["--target", "redis", "--workload", "flash-sale"])
            #expect(status != 0)
        }
    }

    /// PostgreSQL through libpq's pipeline mode: every workload, and a flash sale whose audit
    /// reads the final rows back.
    @Test func thePostgresPeerRunsEveryWorkloadAndSellsEachSeatOnce() async throws {
        try await PostgresCluster.withSharedDatabase { database in
            let peer = ["--target", "postgres", "--database-url", database.url, "--venue", "cinema", "--shows", "2",
                        "--connections", "2", "--depth", "4", "--seed", "42"]
            let small = peer + ["--seconds", "0.5"]
            try await Self.expectEachRunsCleanly(Self.everyWorkload, port: database.port, small)

            let (status, report) = try await Self.seatLoad(
                port: database.port, ["--workload", "flash-sale", "--seconds", "60"] + peer)
            #expect(status == 0, "seat-load exits 3 when the audit finds a discrepancy")
            let sale = try #require(report["flashSale"] as? [String: Any])
            #expect(sale["exact"] as? Bool == true, "\(sale)")
            #expect(sale["sold"] as? Int == 300, "every pair of the 300 seats; rows have no blocked seats")
            #expect(sale["sold"] as? Int == 2 * Self.count(report, "confirmation"))
            let rows = try await database.psql("SELECT count(*) FROM load_seats WHERE state = 2")
            #expect(rows.trimmingCharacters(in: .whitespacesAndNewlines) == "300")

            // Open loop needs a connection that can start arrivals while it waits: refused.
            let (refusedStatus, _) = try await Self.seatLoad(port: database.port, ["--workload", "uniform", "--rate", "100"] + small)
            #expect(refusedStatus != 0)
        }
    }
}
