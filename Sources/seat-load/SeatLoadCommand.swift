import ArgumentParser
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SeatClient
import SeatProtocol
import SeatSamples

@main
struct SeatLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seat-load",
        abstract: "Load seatd, or a peer, with a workload; or serve the echo that is their ceiling.",
        subcommands: [SeatLoadCommand.self, EchoServerCommand.self],
        defaultSubcommand: SeatLoadCommand.self)
}

/// The load generator: a ``Workload`` over many pipelined connections, closed loop (as fast as
/// answers come) or open loop (at a fixed rate), with latency histograms per request kind,
/// against seatd or a peer (``Target``). Refusals and failures are counted and reported, never hidden.
struct SeatLoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Drive seatd, Redis or an echo with a workload and report rates and latency percentiles.")

    @Option(help: "What to load: \(Target.allCases.map(\.rawValue).joined(separator: ", ")).") var target = Target.seatd
    @Option(help: "Server host (for seatd, or SEATD_HOST; 127.0.0.1 unless given).") var host: String?
    @Option(help: "Server port (for seatd, or SEATD_PORT; seatd 7400, Redis 6379, PostgreSQL 5432, echo 7499 unless given).")
    var port: Int?
    @Option(help: "seatd's API key (or SEAT_API_KEY); workloads that make their own shows need an admin key.")
    var key = ProcessInfo.processInfo.environment["SEAT_API_KEY"] ?? ""
    @Option(help: ArgumentHelp(
        "PostgreSQL: a libpq URL (or DATABASE_URL); postgresql://postgres@HOST:PORT/postgres unless given.",
        discussion: "The run replaces the table load_seats in that database."))
    var databaseURL = ProcessInfo.processInfo.environment["DATABASE_URL"] ?? ""
    @Option(help: "What each lane repeats: \(Workload.allCases.map(\.rawValue).joined(separator: ", ")).")
    var workload = Workload.holdRelease
    @Option(help: "hold-release and hold-confirm-cancel: the show to hold seats of; it needs connections × depth free seats.")
    var show: UInt32 = 10
    @Option(help: "uniform, best-available and mixed: how many new shows to spread over.") var shows = 10
    @Option(help: "The layout of the run's new shows: \(Venue.allCases.map(\.rawValue).joined(separator: ", ")).")
    var venue = Venue.stadium
    @Option(help: "mixed: the share of cycles that read a show's availability.") var readShare = 0.8
    @Option(help: ArgumentHelp(
        "mixed, seatd: how a read asks: availability (three bitmaps) or seat-map (compact states, only the version when the lane's map of that show is current).",
        valueName: "availability|seat-map"))
    var reads = SeatdCodec.Reads.availability
    @Option(help: "Connections.") var connections = 16
    @Option(help: "Requests in flight per connection (lanes); open loop, cycles in flight.") var depth = 1
    @Option(help: ArgumentHelp(
        "Open loop: cycles started per second, in all, whatever the answers do.",
        discussion: "Without it, closed loop: each lane starts its next cycle when the last one ends."))
    var rate: Double?
    @Option(help: "Seconds to measure, after a one-second warm-up (none for flash-sale, which ends when sold out).")
    var seconds = 5.0
    @Option(help: "Stop soon after this many headline operations were answered (connections publish their counts every \(LoadTally.publishEvery)).")
    var operations: Int?
    @Option(help: "Seed for the choice of shows and seats (printed; random if not given).") var seed: UInt64?
    @Flag(help: "Print one line of JSON instead of text.") var json = false
    @Option(help: ArgumentHelp(
        "Write each measured answer that took --slow-microseconds or longer to this file, a line each: when it came (CLOCK_MONOTONIC nanoseconds) and its latency (nanoseconds).",
        discussion: "The clock is perf's with `perf record -k CLOCK_MONOTONIC`, so slow answers can be matched against a scheduling trace (Benchmarks/tail)."))
    var slowLog: String?
    @Option(help: "The threshold of --slow-log.") var slowMicroseconds = 1000

    func validate() throws {
        guard target != .seatd || !key.isEmpty else { throw ValidationError("give seatd's API key with --key or SEAT_API_KEY") }
        guard target.serves(workload) else { throw ValidationError("\(target.rawValue) cannot run \(workload.rawValue): \(target.limitation)") }
        guard (1...1024).contains(connections), (1...256).contains(depth) else {
            throw ValidationError("connections must be 1...1024 and depth 1...256")
        }
        guard seconds > 0, seconds <= 3600 else { throw ValidationError("seconds must be in (0, 3600]") }
        guard (1...1000).contains(shows) else { throw ValidationError("shows must be 1...1000") }
        guard (0...1).contains(readShare) else { throw ValidationError("read-share must be in [0, 1]") }
        if let rate, !(rate > 0 && rate <= 10_000_000) { throw ValidationError("rate must be in (0, 10,000,000] cycles per second") }
        if target == .postgres, rate != nil {
            throw ValidationError("postgres runs closed loop only: a connection waiting on libpq cannot start arrivals on time")
        }
        if let operations, operations < 1 { throw ValidationError("operations must be at least 1") }
    }

    func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let seed = seed ?? UInt64.random(in: 0...UInt64.max)
        let (host, port) = target.address(host: host, port: port, environment: ProcessInfo.processInfo.environment)
        // seatd makes the run's shows; peers take the same seat counts under run-unique ids.
        let setup = target == .seatd
            ? try await target.connecting(host: host, port: port) {
                try await SeatConnection.connect(host: host, port: port, apiKey: key, clientName: "seat-load", group: group)
            } : nil
        let runShows: [(show: UInt32, seatCount: UInt32)]
        let showCount = workload == .flashSale ? 1 : shows
        if workload.usesOwnSeats {
            let seatCount = try await setup?.availability(show: show).seatCount ?? UInt32(connections * depth)
            runShows = [(show, seatCount)]
            guard connections * depth <= seatCount else {
                throw ValidationError("show \(show) has \(seatCount) seats, fewer than \(connections * depth) lanes")
            }
        } else if let setup {
            runShows = try await RunShows.create(showCount, of: venue, on: setup)
        } else {
            // Ids far apart from run to run, so a peer's keys from an earlier run never collide.
            var spread = SplitMix64(seed: seed)
            let first = UInt32(truncatingIfNeeded: spread.next()) & 0x3fff_ffff
            runShows = (0..<UInt32(showCount)).map { (first + $0, venue.seatCount) }
        }

        let databaseURL = !databaseURL.isEmpty ? databaseURL : "postgresql://postgres@\(host):\(port)/postgres"
        if target == .postgres { try PostgresSeats.createSeats(runShows, url: databaseURL) }

        let warmUp: TimeAmount = workload == .flashSale ? .zero : .seconds(1)
        let start = NIODeadline.now()
        let measureFrom = start + warmUp
        let end = measureFrom + .nanoseconds(Int64(seconds * 1e9))
        let tally = LoadTally(operationsMax: operations)
        var finished: [EventLoopFuture<Void>] = []
        for connection in 0..<connections {
            let plan = LanePlan(
                workload: workload, shows: runShows,
                ownSeats: workload.usesOwnSeats ? (0..<depth).map { UInt32(connection * depth + $0) } : [],
                lanes: depth, readShare: readShare)
            let pacing: Pacing = rate.map {
                .openLoop(ArrivalSchedule(ratePerSecond: $0, connection: connection, connections: connections,
                                          startNanoseconds: start.uptimeNanoseconds))
            } ?? .closedLoop
            let done = group.next().makePromise(of: Void.self)
            finished.append(done.futureResult)
            let holdMilliseconds: UInt32 = 60_000
            let makeLanes = { @Sendable (targetChoosesBestSeats: Bool) in
                LoadLanes(
                    plan: plan, pacing: pacing, targetChoosesBestSeats: targetChoosesBestSeats,
                    seed: seed &+ UInt64(connection), measureFromNanoseconds: measureFrom.uptimeNanoseconds,
                    endNanoseconds: end.uptimeNanoseconds,
                    slowAnswerNanoseconds: slowLog == nil ? nil : UInt64(slowMicroseconds) * 1000, tally: tally)
            }
            if target == .postgres {
                PostgresLoadConnection.start(
                    url: databaseURL, index: connection, lanes: makeLanes(true), holdMilliseconds: holdMilliseconds, finished: done)
                continue
            }
            let handler: @Sendable (Channel) -> EventLoopFuture<Void> = { [key, target] channel in
                channel.eventLoop.makeCompletedFuture {
                    let seatd = SeatdCodec(apiKey: key, holdMilliseconds: holdMilliseconds, reads: reads)
                    // Each handler made with its concrete codec, so the optimizer specializes it:
                    // made through `any LoadCodec`, every request ran the handler's generic code,
                    // looking up type metadata as it went.
                    func add<Codec: LoadCodec>(_ codec: Codec) throws {
                        try channel.pipeline.syncOperations.addHandlers([
                            codec.makeDecoder(),
                            LoadConnectionHandler(codec: codec, lanes: makeLanes(Codec.choosesBestSeats), finished: done),
                        ])
                    }
                    switch target {
                    case .seatd: try add(seatd)
                    case .redis: try add(RedisCodec(holdMilliseconds: holdMilliseconds, connection: connection))
                    case .echo: try add(EchoCodec(frames: seatd))
                    case .postgres: preconditionFailure("PostgreSQL connections run on threads of their own")
                    }
                }
            }
            do {
                _ = try await target.connecting(host: host, port: port) {
                    try await ClientBootstrap(group: group)
                        .channelOption(.socketOption(.tcp_nodelay), value: 1)
                        .channelInitializer(handler)
                        .connect(host: host, port: port)
                        .get()
                }
            } catch {
                done.fail(error)  // its handler was never made, so nothing else will complete it
                throw error
            }
        }
        let allFinished = EventLoopFuture.andAllComplete(finished, on: group.next())
        try await showProgress(until: allFinished, tally: tally, start: start, end: end)

        var audit: SaleAudit?
        var sellOutSeconds: Double?
        let counts = tally.snapshot
        if workload == .flashSale {
            let (show, seatCount) = runShows[0]
            let final =
                if let setup { SaleAudit.SeatMap(try await setup.availability(show: show)) }
                else { try PostgresSeats.finalSeatMap(of: show, seatCount: seatCount, url: databaseURL) }
            audit = SaleAudit(acknowledged: counts.soldSeats, final: final)
            if counts.lastConfirmationNanoseconds > 0 {
                sellOutSeconds = Double(counts.lastConfirmationNanoseconds - start.uptimeNanoseconds) / 1e9
            }
        }
        await setup?.close()
        try await group.shutdownGracefully()
        if let slowLog { try await writeSlowLog(counts, to: slowLog) }
        let report = LoadReport(
            target: target, workload: workload, pacing: rate.map { .openLoop(rate: $0) } ?? .closedLoop, connections: connections, depth: depth,
            seconds: sellOutSeconds ?? seconds, seed: seed, counts: counts, audit: audit, sellOutSeconds: sellOutSeconds)
        print(json ? report.json : report.text)
        if let audit, !audit.isExact { throw ExitCode(3) }
    }

    /// `--slow-log`'s file, written on a thread of NIO's pool (file writes block).
    private func writeSlowLog(_ counts: LoadTally.Counts, to path: String) async throws {
        var text = "# answered_ns latency_ns: \(counts.slowAnswers.count) answers of \(slowMicroseconds) µs or more"
        if counts.slowAnswersUnkept > 0 {
            text += ", and \(counts.slowAnswersUnkept) more not kept (\(LoadTally.slowAnswersPerConnectionMax) per connection)"
        }
        text += "\n"
        for answer in counts.slowAnswers.sorted(by: { $0.answeredNanoseconds < $1.answeredNanoseconds }) {
            text += "\(answer.answeredNanoseconds) \(answer.latencyNanoseconds)\n"
        }
        try await NIOThreadPool.singleton.runIfActive { [text] in
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        }
    }

    private func showProgress(until finished: EventLoopFuture<Void>, tally: LoadTally, start: NIODeadline, end: NIODeadline) async throws {
        let progress = ProgressLine()
        let total = Double((end - start).nanoseconds) / 1e9
        let noun = workload.headline?.noun ?? "request"
        let isDone = NIOLockedValueBox(false)
        finished.whenComplete { _ in isDone.withLockedValue { $0 = true } }
        while !isDone.withLockedValue({ $0 }) {
            progress.draw(elapsed: Double((NIODeadline.now() - start).nanoseconds) / 1e9, of: total, count: tally.headlineCount, noun: noun)
            try await Task.sleep(for: .milliseconds(250))
        }
        progress.clear()
        try await finished.get()
    }
}
