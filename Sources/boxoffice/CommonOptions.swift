import ArgumentParser
import BoxOfficeApp
import BoxOfficeStorage
import Foundation
import Logging

/// Where the box office keeps its state; shared by every subcommand.
struct StorageOptions: ParsableArguments {
    static let environment = ProcessInfo.processInfo.environment

    @Option(help: "Directory of the SQLite file and the access-token keys (env BOXOFFICE_DATA_DIR).")
    var dataDir = environment["BOXOFFICE_DATA_DIR"] ?? "boxoffice-data"

    @Option(help: "postgres://user:password@host:port/database?sslmode=…; when set, PostgreSQL replaces the SQLite file (env DATABASE_URL).")
    var databaseURL: String?

    @Option(help: "Database connections at most (PostgreSQL).")
    var databaseConnectionsMax = 20

    @Option(help: "Access-token key file (env BOXOFFICE_ACCESS_TOKEN_KEYS); default <data-dir>/access-token-keys.json, created on first start.")
    var accessTokenKeyFile: String?

    @Option(help: "bcrypt cost of new password hashes, 10 to 16 (env BOXOFFICE_BCRYPT_COST).")
    var bcryptCost = UInt8(environment["BOXOFFICE_BCRYPT_COST"] ?? "") ?? 12

    @Option(help: "trace, debug, info, notice, warning, error or critical (env BOXOFFICE_LOG_LEVEL).")
    var logLevel = environment["BOXOFFICE_LOG_LEVEL"] ?? "info"

    func configuration() throws -> BoxOfficeConfiguration {
        guard (10...16).contains(bcryptCost) else { throw ValidationError("--bcrypt-cost must be 10 to 16") }
        var configuration = BoxOfficeConfiguration(dataDirectory: dataDir)
        configuration.databaseURL = databaseURL ?? Self.environment["DATABASE_URL"]
        configuration.databaseConnectionsMax = databaseConnectionsMax
        configuration.accessTokenKeyFile = accessTokenKeyFile ?? Self.environment["BOXOFFICE_ACCESS_TOKEN_KEYS"]
        configuration.accounts.bcryptCost = bcryptCost
        return configuration
    }

    /// Structured logs on standard error, one line per event, with the request id in each.
    func bootstrapLogging() throws -> Logger {
        guard let level = Logger.Level(rawValue: logLevel) else { throw ValidationError("unknown log level \(logLevel)") }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "boxoffice")
    }
}

extension StorageOptions {
    /// Runs `body` with the configured database running and migrated, for a command that does
    /// one thing and ends; the database's connections close when `body` returns or throws.
    func withMigratedDatabase<Result: Sendable>(
        _ configuration: BoxOfficeConfiguration, logger: Logger, _ body: (Database) async throws -> Result
    ) async throws -> Result {
        let database = try await openDatabase(configuration, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { group in
            group.addTask { try await database.run() }
            defer { group.cancelAll() }
            try await database.migrate(boxOfficeMigrations, logger: logger)
            return try await body(database)
        }
    }
}
