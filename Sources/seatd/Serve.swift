import ArgumentParser
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import SeatInventory
import SeatJournal
import SeatPostgres
import SeatProtocol
import SeatServer
import ServiceLifecycle

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the binary protocol until SIGTERM or SIGINT, then drain and stop.")

    @Option(help: "Address to listen on (or SEATD_HOST).")
    var host = ProcessInfo.processInfo.environment["SEATD_HOST"] ?? "127.0.0.1"

    @Option(help: "TCP port (or SEATD_PORT, which seatctl and seat-load read too); 0 picks a free one (see --port-file).")
    var port = Int(ProcessInfo.processInfo.environment["SEATD_PORT"] ?? "") ?? 7400

    @Option(
        name: .customLong("api-key"),
        help: "ROLE:KEY, repeatable; ROLE is admin, agent or reader. Also SEATD_API_KEYS (comma-separated). Without any, random keys are made and printed.")
    var apiKeys: [String] = []

    @Flag(help: "Load the sample theatres and shows when the data directory holds no state yet.")
    var sampleShows = false

    @Option(help: "Directory of the journal and snapshots; created when missing.")
    var dataDir = ProcessInfo.processInfo.environment["SEATD_DATA_DIR"] ?? "seatd-data"

    @Option(
        help: ArgumentHelp(
            "When an answer to a change may leave: fsync (on disk, the default), batch (written to the system, synced every --sync-interval-ms) or none (unsafe; tests and benchmarks).",
            valueName: "policy"))
    var durability = ProcessInfo.processInfo.environment["SEATD_DURABILITY"] ?? "fsync"

    @Option(help: "Under --durability batch, the longest time between syncs.")
    var syncIntervalMs = 10

    @Option(help: "Take a snapshot once this many records were journaled since the last one.")
    var snapshotEveryRecords: UInt64 = 1_000_000

    @Option(help: "Take a snapshot at least this often while anything changes.")
    var snapshotIntervalSeconds = 300

    @Option(help: "Snapshots kept; older ones and the journal segments only they needed are deleted.")
    var snapshotsKept = 2

    @Option(
        help: ArgumentHelp(
            "PostgreSQL to persist every change into, behind the journal (a libpq URL, e.g. postgresql://seat@db/seats?sslmode=require). Also DATABASE_URL. Without it the journal and snapshots alone keep the state.",
            valueName: "url"))
    var postgres: String?

    @Option(
        help: ArgumentHelp(
            "With --postgres: journal bytes kept on disk for a lagging or absent PostgreSQL at most; past it, changes are refused (STORAGE_UNAVAILABLE) until PostgreSQL catches up.",
            valueName: "bytes"))
    var postgresJournalBytesMax = 8 << 30

    @OptionGroup var encryption: EncryptionOptions

    @Option(help: "PEM certificate chain: serve TLS (needs --tls-key).")
    var tlsCertificate: String?

    @Option(help: "PEM private key of --tls-certificate.")
    var tlsKey: String?

    @Flag(inversion: .prefixedNo, help: "Serve Prometheus metrics (GET /metrics) and health checks (GET /healthz, /readyz) over HTTP on --metrics-port.")
    var metrics = true

    @Option(help: "Admin port for GET /metrics, /healthz and /readyz, on --host (or SEATD_METRICS_PORT).")
    var metricsPort = Int(ProcessInfo.processInfo.environment["SEATD_METRICS_PORT"] ?? "") ?? 7401

    @Option(help: "Write the port, once listening, to this file.")
    var portFile: String?

    @OptionGroup var engine: EngineShape

    @Option(help: "Open connections at most; one more is answered TOO_MANY_CONNECTIONS before HELLO and closed.")
    var connectionsMax = 4096

    @Option(help: "Event-loop threads; 0 means one per core but one (at least one), which the journal, the PostgreSQL persister and snapshots keep.")
    var threads = 0

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = ProcessInfo.processInfo.environment["SEATD_LOG_LEVEL"] ?? "info"

    func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("unknown log level \(logLevel)")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "seatd")
        let keyring = try bootstrapKeyring()

        let serverMetrics = ServerMetrics()
        let statistics = serverMetrics.statistics
        let feeds = ShowFeeds(statistics: statistics)
        guard snapshotsKept >= 1, snapshotEveryRecords >= 1, snapshotIntervalSeconds >= 1 else {
            throw ValidationError("--snapshots-kept, --snapshot-every-records and --snapshot-interval-seconds must be positive")
        }
        // First: no other process may be reading or writing this state while we recover it.
        let directory = try DataDirectory(dataDir)
        let start = DurableStart(
            directory: directory, durability: try journalDurability(), configuration: engine.configuration,
            bootstrapKeys: keyring,
            encryption: try encryption.keys(), postgres: try persisterConfiguration(), journalObserver: serverMetrics,
            logger: logger)
        let (service, snapshotter, persister) = try start.service(
            feeds: feeds, statistics: statistics, snapshotsKept: snapshotsKept)
        let snapshots = SnapshotSchedule(
            snapshotter: snapshotter, everyRecords: snapshotEveryRecords, interval: .seconds(snapshotIntervalSeconds),
            logger: logger)
        snapshots.start()
        defer {
            snapshots.stop()
            // Closing syncs the journal's last records; the persister then writes them before it stops.
            service.journal?.writer.close()
            persister?.stop()
            // The lock goes last, once nothing writes the directory any more.
            withExtendedLifetime(directory) {}
        }
        if let store = service.apiKeys { try makeFirstKeys(store, clock: service.clock, logger: logger) }
        if sampleShows, service.catalog.layoutCount == 0 {
            let summary = try SampleShows.load(into: service)
            logger.info("loaded sample shows", metadata: ["layouts": "\(summary.layouts)", "shows": "\(summary.shows)"])
        }

        var configuration = SeatServerConfiguration(keyring: keyring)
        configuration.host = host
        configuration.port = port
        guard connectionsMax >= 1 else { throw ValidationError("--connections-max must be positive") }
        configuration.connectionsMax = connectionsMax
        configuration.tls = try tlsConfiguration()
        // Event loops on every core would compete with seatd's own journal, persister and
        // snapshot threads (and, in a benchmark, with the client): on 2 cores, two event loops
        // gave two fifths fewer answers unpipelined, and a p99 five times longer (BENCHMARKS.md).
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads > 0 ? threads : max(1, System.coreCount - 1))
        let server = SeatServer(configuration: configuration, service: service, feeds: feeds, group: group, logger: logger)
        try await Self.naming("--port or SEATD_PORT") { try await server.start() }
        serverMetrics.watch(service)
        let metricsEndpoint =
            metrics
            ? try await Self.naming("--metrics-port or SEATD_METRICS_PORT") {
                try await MetricsEndpoint.start(
                    host: host, port: metricsPort, group: group, logger: logger, render: serverMetrics.render,
                    unreadiness: { server.unreadiness })
            } : nil
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: server)]
        if let portFile, let port = server.localPort {
            services.append(.init(service: PortAnnouncement(port: port, file: portFile)))
        }
        let serviceGroup = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await serviceGroup.run()
        await metricsEndpoint?.stop()
        try await group.shutdownGracefully()
    }

    /// Runs `listen`; a port in use is reported with the option that chooses another.
    private static func naming<Listening>(_ option: String, _ listen: () async throws -> Listening) async throws -> Listening {
        do {
            return try await listen()
        } catch let failure as ListenFailure where failure.isPortInUse {
            throw PortInUse(failure: failure, option: option)
        }
    }

    private struct PortInUse: Error, CustomStringConvertible {
        let failure: ListenFailure
        let option: String
        var description: String { "\(failure); choose another with \(option)" }
    }

    private func persisterConfiguration() throws -> Persister.Configuration? {
        guard let url = databaseURL(postgres) else { return nil }
        guard postgresJournalBytesMax > 0 else { throw ValidationError("--postgres-journal-bytes-max must be positive") }
        var configuration = Persister.Configuration(url: url)
        configuration.journalBytesKeptMax = postgresJournalBytesMax
        configuration.encryption = try encryption.keys()
        return configuration
    }

    private func journalDurability() throws -> JournalDurability {
        switch durability {
        case "fsync": return .fsync
        case "batch":
            guard syncIntervalMs > 0 else { throw ValidationError("--sync-interval-ms must be positive") }
            return .batch(interval: .milliseconds(syncIntervalMs))
        case "none": return .none
        default: throw ValidationError("--durability is fsync, batch or none, not \(durability)")
        }
    }

    private func tlsConfiguration() throws -> TLSConfiguration? {
        switch (tlsCertificate, tlsKey) {
        case (nil, nil):
            return nil
        case (let certificate?, let key?):
            return TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
        default:
            throw ValidationError("--tls-certificate and --tls-key go together")
        }
    }

    /// The keys given by flag or environment: they bootstrap the first admin, and always work.
    private func bootstrapKeyring() throws -> APIKeyring {
        let fromEnvironment = (ProcessInfo.processInfo.environment["SEATD_API_KEYS"] ?? "")
            .split(separator: ",").map(String.init)
        var keys: [String: Role] = [:]
        for entry in apiKeys + fromEnvironment {
            let parts = entry.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, let role = Role(parsing: parts[0]), !parts[1].isEmpty else {
                throw ValidationError("API key \"\(entry)\" is not ROLE:KEY with ROLE admin, agent or reader")
            }
            guard parts[1].utf8.count <= ProtocolLimits.apiKeyBytesMax else {
                throw ValidationError("an API key is longer than \(ProtocolLimits.apiKeyBytesMax) bytes")
            }
            keys[parts[1]] = role
        }
        return APIKeyring(keys)
    }

    /// With no key given and none stored yet (a new data directory), makes one key per role,
    /// stores it like any created key and prints it, this once: later starts use the stored keys.
    private func makeFirstKeys(_ store: APIKeyStore, clock: ServerClock, logger: Logger) throws {
        guard store.bootstrap.isEmpty, store.activeCount == 0 else {
            logger.info("using the API keys given and stored", metadata: ["stored": "\(store.activeCount)", "given": "\(!store.bootstrap.isEmpty)"])
            return
        }
        var announcement = "No API key given or stored: made one per role. They are stored hashed and shown only now:\n"
        for role in Role.allCases.reversed() {
            let (id, secret) = try store.create(role: role, name: "first \(role)", at: clock.nowUnixMilliseconds)
            announcement += "API key \(id) for \(role): \(secret)\n"
        }
        announcement += "Manage keys with: SEATD_PORT=\(port) SEAT_API_KEY=<admin key> .build/release/seatctl keys list|create|rotate|revoke\n"
        announcement += "Try, from the repository: SEATD_PORT=\(port) SEAT_API_KEY=<reader key> .build/release/seatctl availability --show 0\n"
        FileHandle.standardOutput.write(Data(announcement.utf8))
        logger.notice("made and stored the first API keys, printed above")
    }
}

extension Role {
    init?(parsing name: String) {
        guard let role = Role.allCases.first(where: { $0.description == name }) else { return nil }
        self = role
    }
}
