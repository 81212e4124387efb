import Logging
import SQLKit
import ServiceLifecycle

/// The box office's relational store: one SQLite file in the data directory (the embedded default)
/// or a PostgreSQL server (`DATABASE_URL`).
///
/// Every query goes through SQLKit, so both engines share one code path. What differs (how a
/// connection is leased, how migrations are serialized, how a transaction begins) lives in the
/// engine's backend; repositories see only `any SQLDatabase` and `engine` for the rare statement
/// that must be spelled per dialect.
///
/// Run it as a service (`run()`) for as long as it is used: the PostgreSQL pool lives in it, and
/// the SQLite file is closed when it ends.
public struct Database: Sendable, Service {
    public enum Engine: String, Sendable {
        case sqlite
        case postgres
    }

    public var engine: Engine { backend.engine }
    let backend: any DatabaseBackend

    init(backend: any DatabaseBackend) {
        self.backend = backend
    }

    /// Opens (creating when missing) the SQLite file at `path`, in WAL mode with full sync, so a
    /// committed transaction survives a crash of the process or the machine.
    ///
    /// - Parameter raisingWriterPriority: runs the writer's thread ahead of the process's others,
    ///   where the system allows: for a server, whose writer is its one serial resource.
    public static func sqlite(path: String, raisingWriterPriority: Bool = false, logger: Logger) async throws -> Database {
        Database(backend: try await SQLiteBackend.open(path: path, raisingWriterPriority: raisingWriterPriority, logger: logger))
    }

    /// A PostgreSQL server, reached through a pool of at most `connectionsMax` connections.
    public static func postgres(
        _ location: PostgresLocation, connectionsMax: Int = 20, logger: Logger
    ) -> Database {
        Database(backend: PostgresBackend(location: location, connectionsMax: connectionsMax, logger: logger))
    }

    /// Runs until cancelled or shut down gracefully, then releases the engine's connections.
    public func run() async throws {
        try await backend.run()
    }

    /// Runs `body` on one connection held for its duration: statements in it are not
    /// interleaved with anyone else's on that connection.
    public func withSession<Result: Sendable>(
        _ body: @Sendable (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        try await backend.withSession(body)
    }

    /// Runs `body`, which only reads, on one connection held for its duration. On SQLite it
    /// goes to a read-only connection and so never waits for a writer; on PostgreSQL it is an
    /// ordinary session.
    public func withReadSession<Result: Sendable>(
        _ body: @Sendable (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        try await backend.withReadSession(body)
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    ///
    /// On SQLite the transaction takes the write lock at once (`BEGIN IMMEDIATE`), so two writers
    /// never deadlock upgrading read locks, and concurrent transactions are committed together
    /// (``GroupCommit``: one `fsync` for many; `body` may share its transaction with others and
    /// run again when another body of its batch throws, so it must do nothing but its statements,
    /// and never wait for another transaction); on PostgreSQL it is `READ COMMITTED`, and
    /// statements that must not race say so themselves (unique constraints, conditional updates).
    ///
    /// `body` must not catch an error of its own statements and go on: PostgreSQL ends the
    /// transaction at the error, and answers its `COMMIT` by rolling back, without an error, so
    /// the caller would believe committed what was not.
    public func transaction<Result: Sendable>(
        _ body: @escaping @Sendable (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        try await backend.transaction(body)
    }

    /// Runs `statement`, a write of one statement, as a transaction of its own.
    ///
    /// On PostgreSQL the statement is sent outside a transaction block, which makes it a
    /// transaction by itself without the round trips of `BEGIN` and `COMMIT`: a booking makes
    /// several such writes, and each round trip costs both processes a wake-up. On SQLite it is
    /// a transaction like any other, committed with its batch.
    ///
    /// - Throws: ``DatabaseError/secondStatementInSingleWrite`` when `statement` begins a second
    ///   statement (which is not run); use ``transaction(_:)`` for more than one.
    public func write<Result: Sendable>(
        _ statement: @escaping @Sendable (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        try await backend.write { session in try await statement(SingleStatementSession(session)) }
    }

    /// Runs `body` between `begin` and `COMMIT` on a session already held.
    static func inTransaction<Result: Sendable>(
        on session: any SQLDatabase, begin: String,
        _ body: @Sendable (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        try await session.raw(SQLQueryString(begin)).run()
        let result: Result
        do {
            result = try await body(session)
        } catch {
            // A failing rollback must not hide the cause; PostgreSQL's pool discards a broken
            // connection, and SQLite rolls back by itself when the next BEGIN finds one open.
            try? await session.raw("ROLLBACK").run()
            throw error
        }
        try await session.raw("COMMIT").run()
        return result
    }

    /// Checks that the database answers a trivial query (the readiness probe).
    public func ping() async throws {
        try await withSession { session in
            _ = try await session.raw("SELECT 1 AS one").first()
        }
        try await withReadSession { session in
            _ = try await session.raw("SELECT 1 AS one").first()
        }
    }
}

/// What each engine provides to `Database`.
protocol DatabaseBackend: Sendable {
    var engine: Database.Engine { get }
    /// The statement that opens a transaction on this engine.
    var beginStatement: String { get }
    func run() async throws
    func withSession<Result: Sendable>(
        _ body: @Sendable (any SQLDatabase) async throws -> Result
    ) async throws -> Result
    func withReadSession<Result: Sendable>(
        _ body: @Sendable (any SQLDatabase) async throws -> Result
    ) async throws -> Result
    /// Runs `body` in one transaction (SQLite commits concurrent ones together: `GroupCommit`).
    func transaction<Result: Sendable>(
        _ body: @escaping @Sendable (any SQLDatabase) async throws -> Result
    ) async throws -> Result
    /// Runs `body`, which runs one statement, as a transaction (see ``Database/write(_:)``).
    func write<Result: Sendable>(
        _ body: @escaping @Sendable (any SQLDatabase) async throws -> Result
    ) async throws -> Result
    /// Runs `body` with every other migrating process kept out, across processes.
    func withMigrationLock<Result: Sendable>(
        _ body: @Sendable (any SQLDatabase) async throws -> Result
    ) async throws -> Result
}

/// Errors of the store itself (the engines' own errors pass through unchanged).
public enum DatabaseError: Error, Equatable, CustomStringConvertible {
    /// More sessions are waiting for the SQLite connection than `waitersMax`: the store is
    /// overloaded, and the request should be refused rather than queued without bound.
    case overloaded(waitersMax: Int)
    /// The database was migrated by a newer box office than this one.
    case schemaNewerThanCode(component: String, databaseVersion: Int, codeVersion: Int)
    /// `DATABASE_URL` could not be understood.
    case invalidURL(String)
    /// A write meant as one statement (``Database/write(_:)``) began a second: a mistake in the
    /// code, caught before the second statement ran.
    case secondStatementInSingleWrite

    public var description: String {
        switch self {
        case .overloaded(let waitersMax):
            "the database is overloaded: more than \(waitersMax) sessions are waiting"
        case .schemaNewerThanCode(let component, let databaseVersion, let codeVersion):
            "the \(component) tables are at migration \(databaseVersion), newer than this program's \(codeVersion); run a newer boxoffice"
        case .invalidURL(let reason):
            "DATABASE_URL is not valid: \(reason)"
        case .secondStatementInSingleWrite:
            "a write of one statement began a second, which was not run"
        }
    }
}
