import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import SeatClient
import SeatProtocol

/// A load generator: single-seat cycles (hold and release, or hold, confirm and cancel) over many
/// pipelined connections, closed loop (as fast as answers come) or open loop (at a fixed rate).
/// Each lane (one per connection × depth) owns its own seat, so every request should succeed and
/// the figure is the server's, the wire's and the disk's, not contention's. Refusals and
/// failures are counted and reported, never hidden.
@main
struct SeatLoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seat-load",
        abstract: "Drive seatd with single-seat cycles and report the measured request's rate and latency.")

    @Option(help: "Server host.") var host = "127.0.0.1"
    @Option(help: "Server port.") var port = 7400
    @Option(help: "Agent API key (or SEAT_API_KEY).") var key = ProcessInfo.processInfo.environment["SEAT_API_KEY"] ?? ""
    @Option(help: "What each lane repeats: \(LoadCycle.allCases.map(\.rawValue).joined(separator: ", ")).")
    var cycle = LoadCycle.holdRelease
    @Option(help: "Show to hold seats of; it needs connections × depth free seats.") var show: UInt32 = 10
    @Option(help: "Connections.") var connections = 16
    @Option(help: "Requests in flight per connection; open loop, cycles in flight.") var depth = 1
    @Option(help: ArgumentHelp(
        "Open loop: cycles started per second, in all, whatever the answers do; latency counts from each cycle's intended start.",
        discussion: "Without it, closed loop: each lane starts its next cycle when the last one ends."))
    var rate: Double?
    @Option(help: "Seconds to run (after a one-second warm-up).") var seconds = 5.0
    @Flag(help: "Print one line of JSON instead of text.") var json = false

    func validate() throws {
        guard !key.isEmpty else { throw ValidationError("give an agent API key with --key or SEAT_API_KEY") }
        guard (1...1024).contains(connections), (1...256).contains(depth) else {
            throw ValidationError("connections must be 1...1024 and depth 1...256")
        }
        guard seconds > 0, seconds <= 3600 else { throw ValidationError("seconds must be in (0, 3600]") }
        if let rate, !(rate > 0 && rate <= 10_000_000) { throw ValidationError("rate must be in (0, 10,000,000] cycles per second") }
    }

    func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let probe = try await SeatConnection.connect(host: host, port: port, apiKey: key, clientName: "seat-load", group: group)
        let seatCount = try await probe.availability(show: show).seatCount
        await probe.close()
        let lanes = connections * depth
        guard lanes <= seatCount else { throw ValidationError("show \(show) has \(seatCount) seats, fewer than \(lanes) lanes") }

        let measureFrom = NIODeadline.now() + .seconds(1)
        let end = measureFrom + .nanoseconds(Int64(seconds * 1e9))
        let tally = LoadTally()
        var finished: [EventLoopFuture<Void>] = []
        for connection in 0..<connections {
            let seats = (0..<depth).map { UInt32(connection * depth + $0) }
            let done = group.next().makePromise(of: Void.self)
            let pacing: LoadConnectionHandler.Pacing = rate.map {
                .openLoop(ArrivalSchedule(ratePerSecond: $0, connection: connection, connections: connections,
                                          startNanoseconds: NIODeadline.now().uptimeNanoseconds))
            } ?? .closedLoop
            finished.append(done.futureResult)
            _ = try await ClientBootstrap(group: group)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { [key, cycle, show, pacing] channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandlers([
                            ByteToMessageHandler(FrameDecoder(firstFramePayloadBytesMax: nil)),
                            LoadConnectionHandler(
                                apiKey: key, cycle: cycle, show: show, seats: seats, pacing: pacing, measureFrom: measureFrom, end: end,
                                tally: tally, finished: done),
                        ])
                    }
                }
                .connect(host: host, port: port)
                .get()
        }
        for future in finished { try await future.get() }
        try await group.shutdownGracefully()
        report(tally.snapshot)
    }

    func report(_ outcome: LoadTally.Counts) {
        func microseconds(_ percentile: Double) -> Double {
            outcome.measured == 0 ? 0 : Double(outcome.latency.valueAtPercentile(percentile)) / 1000
        }
        let operation = cycle.measured.noun
        let perSecond = Double(outcome.measured) / seconds
        let percentiles: [(name: String, value: Double)] = [
            ("p50", microseconds(50)), ("p90", microseconds(90)), ("p99", microseconds(99)), ("p99.9", microseconds(99.9)),
            ("max", outcome.measured == 0 ? 0 : Double(outcome.latency.max) / 1000),
        ]
        if json {
            var fields: [String: Any] = [
                "cycle": cycle.rawValue, "operation": operation, "connections": connections, "depth": depth,
                "seconds": seconds, "operations": outcome.measured, "operationsPerSecond": perSecond,
                "refusals": outcome.refusals, "failures": outcome.failures, "unstartedArrivals": outcome.unstartedArrivals,
            ]
            if let rate { fields["rate"] = rate }
            for (name, value) in percentiles {
                fields["\(name.replacingOccurrences(of: ".", with: ""))Microseconds"] = value
            }
            let data = try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            let pacing = rate.map { String(format: "open loop at %.0f cycles/s", $0) } ?? "closed loop"
            print("\(cycle.rawValue), \(pacing), connections \(connections), depth \(depth), \(seconds) s: \(outcome.measured) \(operation)s")
            print(String(format: "  %.0f \(operation)s/s; latency ", perSecond)
                + percentiles.map { String(format: "%@ %.0f µs", $0.name, $0.value) }.joined(separator: ", "))
            if outcome.unstartedArrivals > 0 { print("  arrivals that found no free lane by the end: \(outcome.unstartedArrivals)") }
            if !outcome.refusals.isEmpty { print("  refusals: \(outcome.refusals)") }
            if !outcome.failures.isEmpty { print("  failures: \(outcome.failures)") }
        }
    }
}
