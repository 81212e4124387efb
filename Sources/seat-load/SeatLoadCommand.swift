import ArgumentParser
import Foundation
import NIOPosix
import SeatClient
import SeatProtocol

/// A first load generator: closed-loop single-seat holds, each released again, over many
/// pipelined connections. Each lane (one per connection × depth) owns its own seats, so every
/// hold should succeed and the figure is the server's and the wire's, not contention's.
@main
struct SeatLoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seat-load",
        abstract: "Drive seatd with single-seat holds and releases and report holds per second.")

    /// Hold latencies kept for percentiles; beyond this, later ones are not recorded.
    static let latencySamplesMax = 2_000_000

    @Option(help: "Server host.") var host = "127.0.0.1"
    @Option(help: "Server port.") var port = 7400
    @Option(help: "Agent API key (or SEAT_API_KEY).") var key = ProcessInfo.processInfo.environment["SEAT_API_KEY"] ?? ""
    @Option(help: "Show to hold seats of; it needs connections × depth free seats.") var show: UInt32 = 10
    @Option(help: "Connections.") var connections = 16
    @Option(help: "Requests in flight per connection.") var depth = 1
    @Option(help: "Seconds to run (after a one-second warm-up).") var seconds = 5.0
    @Flag(help: "Print one line of JSON instead of text.") var json = false

    func validate() throws {
        guard !key.isEmpty else { throw ValidationError("give an agent API key with --key or SEAT_API_KEY") }
        guard (1...1024).contains(connections), (1...256).contains(depth) else {
            throw ValidationError("connections must be 1...1024 and depth 1...256")
        }
        guard seconds > 0, seconds <= 3600 else { throw ValidationError("seconds must be in (0, 3600]") }
    }

    func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var links: [SeatConnection] = []
        for _ in 0..<connections {
            links.append(try await SeatConnection.connect(host: host, port: port, apiKey: key, clientName: "seat-load", group: group))
        }
        let seatCount = try await links[0].availability(show: show).seatCount
        let lanes = connections * depth
        guard lanes <= seatCount else { throw ValidationError("show \(show) has \(seatCount) seats, fewer than \(lanes) lanes") }

        let clock = ContinuousClock()
        let warmUpEnd = clock.now + .seconds(1)
        let end = warmUpEnd + .seconds(seconds)
        let outcomes = try await withThrowingTaskGroup(of: LaneOutcome.self) { tasks in
            for lane in 0..<lanes {
                let link = links[lane % connections]
                let show = show
                tasks.addTask {
                    try await Self.runLane(seat: UInt32(lane), link: link, show: show, measureFrom: warmUpEnd, until: end)
                }
            }
            var total = LaneOutcome()
            for try await outcome in tasks { total.merge(outcome) }
            return total
        }
        for link in links { await link.close() }
        try await group.shutdownGracefully()
        report(outcomes)
    }

    struct LaneOutcome: Sendable {
        var holds = 0
        var refusals: [String: Int] = [:]
        var latencies: [Duration] = []

        mutating func merge(_ other: LaneOutcome) {
            holds += other.holds
            refusals.merge(other.refusals, uniquingKeysWith: +)
            latencies += other.latencies.prefix(SeatLoadCommand.latencySamplesMax - latencies.count)
        }
    }

    static func runLane(
        seat: UInt32,
        link: SeatConnection,
        show: UInt32,
        measureFrom start: ContinuousClock.Instant,
        until end: ContinuousClock.Instant
    ) async throws -> LaneOutcome {
        let clock = ContinuousClock()
        var outcome = LaneOutcome()
        while true {
            let sent = clock.now
            guard sent < end else { return outcome }
            do {
                let held = try await link.hold([seat], show: show, for: .seconds(60))
                let answered = clock.now
                if sent >= start {
                    outcome.holds += 1
                    if outcome.latencies.count < latencySamplesMax / 64 { outcome.latencies.append(answered - sent) }
                }
                try await link.release(held.hold)
            } catch {
                guard case .refused(let reply) = error else { throw error }
                outcome.refusals["\(reply.code)", default: 0] += 1
            }
        }
    }

    func report(_ outcome: LaneOutcome) {
        let sorted = outcome.latencies.sorted()
        func percentile(_ fraction: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let duration = sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
            return Double(duration.components.attoseconds) / 1e12 + Double(duration.components.seconds) * 1e6
        }
        let holdsPerSecond = Double(outcome.holds) / seconds
        if json {
            let fields: [String: Any] = [
                "connections": connections, "depth": depth, "seconds": seconds, "holds": outcome.holds,
                "holdsPerSecond": holdsPerSecond, "p50Microseconds": percentile(0.5), "p99Microseconds": percentile(0.99),
                "refusals": outcome.refusals,
            ]
            let data = try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("connections \(connections), depth \(depth), \(seconds) s: \(outcome.holds) holds (each also released)")
            print(String(format: "  %.0f holds/s; hold latency p50 %.0f µs, p99 %.0f µs", holdsPerSecond, percentile(0.5), percentile(0.99)))
            if !outcome.refusals.isEmpty { print("  refusals: \(outcome.refusals)") }
        }
    }
}
