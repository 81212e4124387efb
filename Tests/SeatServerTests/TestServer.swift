import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import SeatClient
import SeatInventory
import SeatJournal
import SeatProtocol
import SeatSamples
import SeatServer
import Testing

/// Where a test server journals, and the failures the test injects into its storage.
struct JournalSetting {
    let directory: String
    var faults: StorageFaults?
}

/// A real server on a free loopback port, with the sample cinema as layout 0 and show 0.
struct TestServer {
    static let adminKey = "admin-test-key"
    static let agentKey = "agent-test-key"
    static let readerKey = "reader-test-key"

    let server: SeatServer
    let group: MultiThreadedEventLoopGroup
    let port: Int
    /// Closes every client and connection handed out, before the server and its threads stop.
    private let closers = NIOLockedValueBox<[@Sendable () async -> Void]>([])

    var service: SeatService { server.service }

    /// `readTimeout` is long by default: a loaded CI machine must not cut off a slow HELLO (the
    /// CPU-bound tests beside these can keep a client's task waiting for seconds).
    static func start(
        port: Int = 0,
        threads: Int = 2,
        readTimeout: TimeAmount = .seconds(60),
        inFlightRequestsMax: Int = ProtocolLimits.inFlightRequestsMax,
        connectionsMax: Int = 4096,
        parkedEventBytesMax: Int = 1 << 20,
        drainQuietPeriod: TimeAmount = .milliseconds(100),
        tls: TLSConfiguration? = nil,
        journal: JournalSetting? = nil
    ) async throws -> TestServer {
        let statistics = ServerStatistics()
        let feeds = ShowFeeds(statistics: statistics)
        let configuration = InventoryConfiguration(shardCount: 4, reservationsPerShard: 16_384, showsMax: 256)
        let service: SeatService
        if let journal {
            let directory = try DataDirectory(journal.directory)
            let writer = try JournalWriter(directory: directory.journal, lastLSN: 0, faults: journal.faults)
            let changeLog = EngineJournal(writer: writer, layouts: [])
            let engine = try InventoryEngine(configuration: configuration, observer: feeds, changeLog: changeLog)
            let snapshotter = Snapshotter(engine: engine, journal: changeLog, directory: directory, faults: journal.faults)
            service = SeatService(
                engine: engine, catalog: VenueCatalog(), clock: ServerClock(), statistics: statistics, journal: changeLog,
                snapshotter: snapshotter)
        } else {
            let engine = try InventoryEngine(configuration: configuration, observer: feeds)
            service = SeatService(engine: engine, catalog: VenueCatalog(), clock: ServerClock(), statistics: statistics)
        }
        let json = Array(try JSONEncoder().encode(SampleVenues.cinema()))
        guard case .success(.layoutDefined) = service.execute(.defineLayout(json: json)),
            case .success(.showCreated) = service.execute(
                .createShow(CreateShowRequest(layout: 0, seatsPerHoldMax: 10, holdLifetimeSeconds: 600, forbidsSingleSeatGaps: false)))
        else { throw TestServerError.setupRefused }
        var serverConfiguration = SeatServerConfiguration(
            keyring: APIKeyring([adminKey: .admin, agentKey: .agent, readerKey: .reader]))
        serverConfiguration.port = port
        serverConfiguration.readTimeout = readTimeout
        serverConfiguration.inFlightRequestsMax = inFlightRequestsMax
        serverConfiguration.connectionsMax = connectionsMax
        serverConfiguration.parkedEventBytesMax = parkedEventBytesMax
        serverConfiguration.drainQuietPeriod = drainQuietPeriod
        serverConfiguration.tls = tls
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        var logger = Logger(label: "test-server")
        logger.logLevel = .critical
        let server = SeatServer(configuration: serverConfiguration, service: service, feeds: feeds, group: group, logger: logger)
        do {
            try await server.start()
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        return TestServer(server: server, group: group, port: server.localPort!)
    }

    func client(key: String = agentKey, connections: Int = 1) -> SeatClient {
        var configuration = SeatClient.Configuration(host: "127.0.0.1", port: port, apiKey: key)
        configuration.connections = connections
        let client = SeatClient(configuration: configuration, group: group)
        closers.withLockedValue { $0.append { await client.close() } }
        return client
    }

    /// One connection of its own, outside any client's pool.
    func connection(key: String = agentKey) async throws -> SeatConnection {
        let connection = try await client(key: key).connect()
        closers.withLockedValue { $0.append { await connection.close() } }
        return connection
    }

    func stop() async throws {
        for close in closers.withLockedValue({ $0 }) { await close() }
        await server.shutdown()
        try await group.shutdownGracefully()
        try await server.service.journal?.writer.closed()
    }

    enum TestServerError: Error { case setupRefused }
}

/// Runs `body` against a fresh server and always stops it.
func withServer<Result>(
    readTimeout: TimeAmount = .seconds(60),
    tls: TLSConfiguration? = nil,
    _ body: (TestServer) async throws -> Result
) async throws -> Result {
    let server = try await TestServer.start(readTimeout: readTimeout, tls: tls)
    do {
        let result = try await body(server)
        try await server.stop()
        return result
    } catch {
        try? await server.stop()
        throw error
    }
}

/// The seat index of a label in the sample cinema.
func seat(_ label: String) -> UInt32 {
    cinemaLayout.seat(labelled: label)!.rawValue
}

let cinemaLayout = try! SeatLayout(document: SampleVenues.cinema())

/// The server's refusal of `body`, or nil when it succeeded or failed some other way (which is
/// recorded, so a failing expectation says what happened instead).
func refusal<Value>(_ body: () async throws -> Value) async -> ErrorReply? {
    do {
        _ = try await body()
        return nil
    } catch {
        guard case .refused(let reply) = error as? SeatClientError else {
            Issue.record("expected the server to refuse, got \(error)")
            return nil
        }
        return reply
    }
}
