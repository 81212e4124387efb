import Glibc
import Logging
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit
import SQLiteNIO
import ServiceLifecycle
import Synchronization

/// The embedded engine: one SQLite file, one writing connection and a few read-only ones.
///
/// SQLite has a single writer, so every session that may write takes turns on the writer's
/// gate and owns that connection until it ends, which keeps transactions simple. In WAL mode
/// readers see the last committed state without waiting for the writer, so read-only sessions
/// go to reader connections, each with its own gate, in turn. Each connection lives on a thread
/// of its own (``ConnectionThread``), where its sessions' code runs and its statements run as
/// plain calls (``SQLiteLink``): SQLite's blocking calls never touch the cooperative pool, and a
/// writer waiting on fsync does not stall the readers. A last connection copies the log into the
/// database while the store runs (``checkpointInterval``), off the writer's turn.
final class SQLiteBackend: DatabaseBackend {
    /// Sessions allowed to wait for one connection before new ones are refused.
    static let sessionWaitersMax = 1_024
    /// Read-only connections kept open.
    static let readerCount = 2
    /// The writer's thread's nice value. The writer is the one serial resource of a busy box
    /// office, and it competed for the cores on equal terms with every request's code: in a
    /// flash sale on two cores it spent as long waiting for a core as running. Ahead of them it
    /// runs when it has work (raising it needs root or `CAP_SYS_NICE`; without, it keeps the
    /// process's priority). Only for a server's one database: in a process holding many at once
    /// (the tests), their writers starved everything else.
    static let writerNice: Int32 = -10
    /// How often, while the store runs, the checkpointer copies what the log holds into the
    /// database. A checkpoint left to the writer (SQLite's default, every 1,000 pages) ran inside
    /// the commit that crossed the mark: that batch's callers, and everyone queued behind them,
    /// waited for the copy and for the database file's fsync. A passive checkpoint on a
    /// connection of its own takes no lock the writer or the readers wait for.
    static let checkpointInterval = Duration.milliseconds(100)
    /// Pages the log may hold before the writer copies them itself, should the checkpointer fall
    /// behind or not run: what bounds the log's size.
    static let writerCheckpointPages = 10_000

    let engine = Database.Engine.sqlite
    let beginStatement = "BEGIN IMMEDIATE"
    let writer: Connection
    let readers: [Connection]
    let checkpointer: Connection
    let groupCommit: GroupCommit
    private let logger: Logger
    private let nextReader = Atomic<Int>(0)

    /// A connection, the thread it lives on, and the gate its sessions take turns on.
    struct Connection: Sendable {
        let session: SQLiteSession
        let gate = SessionGate(waitersMax: SQLiteBackend.sessionWaitersMax)

        var thread: ConnectionThread { session.thread }

        /// Runs `body` with the connection, on its thread, once the sessions before it are done.
        func withSession<Result: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> Result) async throws -> Result {
            try await withTaskExecutorPreference(thread) {
                try await gate.withGate { try await body(session) }
            }
        }

        func close() async throws {
            try await gate.withGate { try await thread.run { session.link.close() } }
            thread.close()
            try await thread.shutdown()
        }
    }

    private init(writer: Connection, readers: [Connection], checkpointer: Connection, logger: Logger) {
        self.writer = writer
        self.readers = readers
        self.checkpointer = checkpointer
        self.logger = logger
        groupCommit = GroupCommit(waitersMax: Self.sessionWaitersMax) { batch in try await writer.withSession(batch) }
    }

    static func open(path: String, raisingWriterPriority: Bool, logger: Logger) async throws -> SQLiteBackend {
        var opened: [Connection] = []
        do {
            // The writer first: it creates the file and switches it to WAL, which readers need;
            // the checkpointer last.
            for index in 0...readerCount + 1 {
                let thread = try await ConnectionThread.start()
                let isWriter = index == 0
                let isCheckpointer = index == readerCount + 1
                let link: SQLiteLink
                do {
                    link = try await thread.run {
                        if isWriter && raisingWriterPriority { raiseWritersPriority(logger: logger) }
                        return try SQLiteLink(path: path)
                    }
                } catch {
                    try? await thread.shutdown()
                    throw error
                }
                let connection = Connection(session: SQLiteSession(link: link, thread: thread, logger: logger))
                opened.append(connection)
                try await connection.withSession { session in
                    if isWriter {
                        // WAL lets readers go on while a transaction writes; synchronous=FULL fsyncs
                        // the log at every commit, so an acknowledged change survives a power cut.
                        _ = try await session.raw("PRAGMA journal_mode = WAL").all()
                        try await session.raw("PRAGMA synchronous = FULL").run()
                        try await session.raw("PRAGMA foreign_keys = ON").run()
                        // A statement inside a transaction (every one in a group commit) keeps the
                        // pages it changes in a statement journal, to undo itself alone should it
                        // fail halfway. Past 64 KiB that journal spills to a temporary file, and
                        // the writer then writes each page it touches twice through the file
                        // system. In memory it is bounded by what one transaction changes.
                        try await session.raw("PRAGMA temp_store = MEMORY").run()
                        try await session.raw("PRAGMA wal_autocheckpoint = \(unsafeRaw: String(writerCheckpointPages))").run()
                    } else if isCheckpointer {
                        // A checkpoint syncs the log before copying and the database after, as
                        // the connection running it is set to.
                        try await session.raw("PRAGMA synchronous = FULL").run()
                    } else {
                        try await session.raw("PRAGMA query_only = ON").run()
                    }
                    // Wait for another process (a second boxoffice on the same file) instead of failing.
                    try await session.raw("PRAGMA busy_timeout = 5000").run()
                }
            }
        } catch {
            for connection in opened { try? await connection.close() }
            throw error
        }
        return SQLiteBackend(writer: opened[0], readers: Array(opened[1...readerCount]), checkpointer: opened[readerCount + 1], logger: logger)
    }

    /// Sets the calling thread's nice value to ``writerNice`` (on Linux a nice value is a
    /// thread's own, and process 0 is the calling thread).
    private static func raiseWritersPriority(logger: Logger) {
        if setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, writerNice) != 0 {
            logger.notice("the SQLite writer runs at the process's priority", metadata: [
                "reason": "\(String(cString: strerror(errno))) (raising it needs root or CAP_SYS_NICE)"])
        }
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            // Said once when checkpoints start failing and once when they work again, not at
            // every turn; meanwhile the writer copies the log itself past its mark.
            var isFailing = false
            while (try? await Task.sleep(for: Self.checkpointInterval)) != nil {
                do {
                    try await self.checkpoint()
                    if isFailing { self.logger.notice("the SQLite log is copied into the database again") }
                    isFailing = false
                } catch {
                    guard !Task.isCancelled else { break }
                    if !isFailing { self.logger.warning("the SQLite log could not be copied into the database", metadata: ["error": "\(error)"]) }
                    isFailing = true
                }
            }
        }
        // Closing must happen even when the service ends by cancellation, and NIO's thread pool
        // refuses work handed to it from a cancelled task: close from a task of its own.
        let connections = [writer] + readers + [checkpointer]
        try await Task {
            for connection in connections { try await connection.close() }
        }.value
    }

    /// Copies into the database what the log holds and no reader still needs (a passive
    /// checkpoint: it waits for nobody, and nobody waits for it).
    func checkpoint() async throws {
        try await checkpointer.withSession { session in try await session.raw("PRAGMA wal_checkpoint(PASSIVE)").run() }
    }

    func withSession<Result: Sendable>(
        _ body: @Sendable (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        try await writer.withSession(body)
    }

    func transaction<Result: Sendable>(
        _ body: @escaping @Sendable (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        try await groupCommit.transaction(body)
    }

    /// One statement is a transaction like any other here: it is committed with its batch.
    func write<Result: Sendable>(
        _ body: @escaping @Sendable (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        try await groupCommit.transaction(body)
    }

    func withReadSession<Result: Sendable>(
        _ body: @Sendable (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        let index = nextReader.wrappingAdd(1, ordering: .relaxed).oldValue
        return try await readers[Int(UInt(bitPattern: index) % UInt(readers.count))].withSession(body)
    }

    /// SQLite serializes writers itself: each migration runs in a `BEGIN IMMEDIATE` transaction
    /// that rereads the version table, which is all the exclusion two processes need.
    func withMigrationLock<Result: Sendable>(
        _ body: @Sendable (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        try await withSession(body)
    }
}
