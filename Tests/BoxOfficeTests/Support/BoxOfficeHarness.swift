import Accounts
import BoxOfficeApp
import BoxOfficeEdge
import BoxOfficeStorage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SeatTestSupport
import Testing

/// The two engines every repository and route test runs on.
enum TestEngine: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres
    var testDescription: String { rawValue }
}

enum Harness {
    /// Connections each test's pool may open: tests run side by side on one shared cluster.
    static let testConnectionsMax = 4

    static let logger: Logger = {
        var logger = Logger(label: "boxoffice-tests")
        logger.logLevel = .warning
        return logger
    }()

    /// Limits no test's requests reach, for tests of something else that send many.
    static let generousRateLimits: @Sendable (inout BoxOfficeConfiguration) -> Void = { configuration in
        configuration.rateLimits.credentials.rule = GCRA(rate: 100_000, per: .seconds(1), burst: 100_000)
        configuration.rateLimits.api.rule = GCRA(rate: 100_000, per: .seconds(1), burst: 100_000)
    }

    /// Runs `body` with a fresh, migrated database on `engine` (a SQLite file in a temporary
    /// directory, or a database of its own in the run's shared PostgreSQL cluster).
    static func withDatabase<Result: Sendable>(
        _ engine: TestEngine, migrations: [MigrationSet] = boxOfficeMigrations,
        _ body: @Sendable (Database) async throws -> Result
    ) async throws -> Result {
        switch engine {
        case .sqlite:
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let database = try await Database.sqlite(path: directory.path + "/boxoffice.sqlite", logger: logger)
            return try await running(database, migrations: migrations, body)
        case .postgres:
            return try await PostgresCluster.withSharedDatabase { postgres in
                let database = Database.postgres(
                    try PostgresLocation(url: postgres.url + "&sslmode=disable"), connectionsMax: testConnectionsMax, logger: logger)
                return try await running(database, migrations: migrations, body)
            }
        }
    }

    private static func running<Result: Sendable>(
        _ database: Database, migrations: [MigrationSet], _ body: @Sendable (Database) async throws -> Result
    ) async throws -> Result {
        try await withOpen(database) { database in
            try await database.migrate(migrations, logger: logger)
            return try await body(database)
        }
    }

    /// Runs `body` with the SQLite file at `path` open as it is, unmigrated: a file a boxoffice
    /// process made or is using (WAL lets readers in beside it).
    static func withSQLiteFile<Result: Sendable>(
        _ path: String, raisingWriterPriority: Bool = false, _ body: @Sendable (Database) async throws -> Result
    ) async throws -> Result {
        try await withOpen(try await Database.sqlite(path: path, raisingWriterPriority: raisingWriterPriority, logger: logger), body)
    }

    /// Runs `body` with a database a boxoffice process made or is using, as it is: PostgreSQL at
    /// `url` when given, else the SQLite file at `sqlitePath`.
    static func withDatabaseAt<Result: Sendable>(
        _ url: String?, sqlitePath: String, _ body: @Sendable (Database) async throws -> Result
    ) async throws -> Result {
        guard let url else { return try await withSQLiteFile(sqlitePath, body) }
        return try await withOpen(Database.postgres(try PostgresLocation(url: url), connectionsMax: 4, logger: logger), body)
    }

    private static func withOpen<Result: Sendable>(_ database: Database, _ body: @Sendable (Database) async throws -> Result) async throws -> Result {
        try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask {
                try await database.run()
                return nil
            }
            defer { group.cancelAll() }
            return try await body(database)
        }
    }

    /// Runs `body` against the whole application on `engine`, through the router (no sockets).
    static func withApp<Result: Sendable>(
        _ engine: TestEngine, mode: TestingSetup = .router, configure: @Sendable (inout BoxOfficeConfiguration) -> Void = { _ in },
        _ body: @Sendable (any TestClientProtocol, BoxOfficeComponents) async throws -> Result
    ) async throws -> Result {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var configuration = BoxOfficeConfiguration(dataDirectory: directory.path)
        // The lowest cost bcrypt allows: tests check behaviour, not the work factor.
        configuration.accounts.bcryptCost = 4
        configure(&configuration)
        switch engine {
        case .sqlite:
            return try await run(configuration, mode: mode, body)
        case .postgres:
            return try await PostgresCluster.withSharedDatabase { postgres in
                var configuration = configuration
                configuration.databaseURL = postgres.url + "&sslmode=disable"
                configuration.databaseConnectionsMax = testConnectionsMax
                return try await run(configuration, mode: mode, body)
            }
        }
    }

    /// Runs `body` against the application with a real seatd process beside it (its own data
    /// directory, an admin key, and `seatdArguments`), as the catalog needs one.
    static func withAppAndSeatd<Result: Sendable>(
        _ engine: TestEngine, mode: TestingSetup = .router, seatdArguments: [String] = [],
        configure: @Sendable (inout BoxOfficeConfiguration) -> Void = { _ in },
        _ body: @Sendable (any TestClientProtocol, BoxOfficeComponents, SeatdProcess) async throws -> Result
    ) async throws -> Result {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        return try await SeatdProcess.with(dataDirectory: directory.path + "/seatd", arguments: seatdArguments) { seatd in
            try await withApp(engine, mode: mode, configure: { configuration in
                // As deployed: bookings with an agent's key, the catalog's shows with an admin's.
                configuration.seatd = .init(host: "127.0.0.1", port: seatd.port, apiKey: SeatdProcess.agentKey,
                                            adminKey: SeatdProcess.apiKey)
                generousRateLimits(&configuration)
                configure(&configuration)
            }) { client, components in
                try await body(client, components, seatd)
            }
        }
    }

    /// Runs `body` against two instances of the application on one PostgreSQL database and one
    /// signing key, as behind a load balancer; `components` are the first's.
    static func withTwoInstances<Result: Sendable>(
        configure: @Sendable (inout BoxOfficeConfiguration) -> Void = { _ in },
        _ body: @Sendable (_ first: any TestClientProtocol, _ second: any TestClientProtocol, BoxOfficeComponents) async throws -> Result
    ) async throws -> Result {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        return try await PostgresCluster.withSharedDatabase { postgres in
            var configuration = BoxOfficeConfiguration(dataDirectory: directory.path)
            configuration.accounts.bcryptCost = 4
            configuration.databaseURL = postgres.url + "&sslmode=disable"
            configuration.databaseConnectionsMax = testConnectionsMax
            configure(&configuration)
            let shared = configuration
            return try await run(shared) { first, components in
                try await run(shared) { second, _ in try await body(first, second, components) }
            }
        }
    }

    /// Runs `body` against the application serving on a loopback port (`.live`: real sockets).
    static func withLiveApp<Result: Sendable>(
        _ engine: TestEngine, _ body: @Sendable (any TestClientProtocol) async throws -> Result
    ) async throws -> Result {
        try await withApp(engine, mode: .live) { client, _ in try await body(client) }
    }

    private static func run<Result: Sendable>(
        _ configuration: BoxOfficeConfiguration, mode: TestingSetup = .router,
        _ body: @Sendable (any TestClientProtocol, BoxOfficeComponents) async throws -> Result
    ) async throws -> Result {
        var configuration = configuration
        configuration.port = 0
        let (application, components) = try await buildApplication(configuration, logger: logger)
        return try await application.test(mode) { client in
            try await body(client, components)
        }
    }
}

/// Shorthands for JSON requests and responses in tests.
extension TestClientProtocol {
    @discardableResult
    func request(
        _ method: HTTPRequest.Method, _ uri: String, token: String? = nil, json: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json != nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers,
                                 body: json.map { ByteBuffer(string: $0) }) { $0 }
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    func json<Value: Decodable>(_ type: Value.Type = Value.self) throws -> Value {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(type, from: Data(buffer: body))
    }

    /// The problem document of an error response (and that it is one).
    func problem() throws -> Problem.Document {
        #expect(headers[.contentType] == Problem.mediaType)
        return try json(Problem.Document.self)
    }
}

extension Data {
    init(buffer: ByteBuffer) {
        self.init(buffer.readableBytesView)
    }
}
