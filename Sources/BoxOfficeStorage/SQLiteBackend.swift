import Logging
import SQLKit
import SQLiteKit
import SQLiteNIO
import ServiceLifecycle

/// The embedded engine: one SQLite file, one connection, sessions taking turns on a gate.
///
/// One connection is enough for the embedded default (SQLite has a single writer anyway) and
/// keeps transactions simple: a session owns the connection until it ends. The statements
/// themselves run on NIO's thread pool (sqlite-nio), never on the cooperative pool.
final class SQLiteBackend: DatabaseBackend {
    /// Sessions allowed to wait for the connection before new ones are refused.
    static let sessionWaitersMax = 1_024

    let engine = Database.Engine.sqlite
    let beginStatement = "BEGIN IMMEDIATE"
    private let connection: SQLiteConnection
    private let gate = SessionGate(waitersMax: SQLiteBackend.sessionWaitersMax)

    private init(connection: SQLiteConnection) {
        self.connection = connection
    }

    static func open(path: String, logger: Logger) async throws -> SQLiteBackend {
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        let session = connection.sql(queryLogLevel: nil)
        do {
            // WAL lets readers go on while a transaction writes; synchronous=FULL fsyncs the log
            // at every commit, so an acknowledged change survives a power cut; a busy timeout
            // waits for another process (a second boxoffice on the same file) instead of failing.
            _ = try await session.raw("PRAGMA journal_mode = WAL").all()
            try await session.raw("PRAGMA synchronous = FULL").run()
            try await session.raw("PRAGMA foreign_keys = ON").run()
            try await session.raw("PRAGMA busy_timeout = 5000").run()
        } catch {
            try? await connection.close()
            throw error
        }
        return SQLiteBackend(connection: connection)
    }

    func run() async throws {
        try? await gracefulShutdown()
        // Closing must happen even when the service ends by cancellation, and sqlite-nio's
        // thread-pool calls refuse to start in a cancelled task: close from a task of its own.
        let connection = self.connection
        try await Task {
            try await gate.withGate { try await connection.close() }
        }.value
    }

    func withSession<Result: Sendable>(
        _ body: @Sendable (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        try await gate.withGate {
            try await body(connection.sql(queryLogLevel: nil))
        }
    }

    /// SQLite serializes writers itself: each migration runs in a `BEGIN IMMEDIATE` transaction
    /// that rereads the version table, which is all the exclusion two processes need.
    func withMigrationLock<Result: Sendable>(
        _ body: @Sendable (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        try await withSession(body)
    }
}
