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
/// go to reader connections, each with its own gate, in turn. Statements run on threads of the
/// backend's own (sqlite-nio's blocking calls never touch the cooperative pool): the writer has
/// one to itself, on which its sessions' code runs too (``WriterTaskExecutor``), and the readers
/// share a pool, so a writer waiting on fsync does not stall them.
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

    let engine = Database.Engine.sqlite
    let beginStatement = "BEGIN IMMEDIATE"
    private let writerThread: NIOThreadPool
    private let readerThreads: NIOThreadPool
    private let executor: WriterTaskExecutor
    private let writer: Connection
    private let readers: [Connection]
    let groupCommit: GroupCommit
    private let nextReader = Atomic<Int>(0)

    /// A connection and the gate its sessions take turns on.
    private struct Connection: Sendable {
        let connection: SQLiteConnection
        let gate = SessionGate(waitersMax: SQLiteBackend.sessionWaitersMax)

        func withSession<Result: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> Result) async throws -> Result {
            try await gate.withGate { try await body(connection.sql(queryLogLevel: nil)) }
        }
    }

    private init(writerThread: NIOThreadPool, readerThreads: NIOThreadPool, writer: SQLiteConnection, readers: [SQLiteConnection]) {
        self.writerThread = writerThread
        self.readerThreads = readerThreads
        executor = WriterTaskExecutor(writerThread)
        let writer = Connection(connection: writer)
        self.writer = writer
        self.readers = readers.map { Connection(connection: $0) }
        groupCommit = GroupCommit(waitersMax: Self.sessionWaitersMax) { [executor] batch in
            try await withTaskExecutorPreference(executor) { try await writer.withSession(batch) }
        }
    }

    static func open(path: String, raisingWriterPriority: Bool, logger: Logger) async throws -> SQLiteBackend {
        let writerThread = NIOThreadPool(numberOfThreads: 1)
        let readerThreads = NIOThreadPool(numberOfThreads: readerCount)
        writerThread.start()
        readerThreads.start()
        if raisingWriterPriority {
            try await writerThread.runIfActive { raiseWritersPriority(logger: logger) }
        }
        var opened: [SQLiteConnection] = []
        do {
            // sqlite-nio completes its futures on this loop; the sessions use its async calls.
            let eventLoop = MultiThreadedEventLoopGroup.singleton.any()
            // The writer first: it creates the file and switches it to WAL, which readers need.
            for index in 0...readerCount {
                let connection = try await SQLiteConnection.open(
                    storage: .file(path: path), threadPool: index == 0 ? writerThread : readerThreads, logger: logger, on: eventLoop)
                opened.append(connection)
                let session = connection.sql(queryLogLevel: nil)
                if index == 0 {
                    // WAL lets readers go on while a transaction writes; synchronous=FULL fsyncs
                    // the log at every commit, so an acknowledged change survives a power cut.
                    _ = try await session.raw("PRAGMA journal_mode = WAL").all()
                    try await session.raw("PRAGMA synchronous = FULL").run()
                    try await session.raw("PRAGMA foreign_keys = ON").run()
                } else {
                    try await session.raw("PRAGMA query_only = ON").run()
                }
                // Wait for another process (a second boxoffice on the same file) instead of failing.
                try await session.raw("PRAGMA busy_timeout = 5000").run()
            }
        } catch {
            for connection in opened { try? await connection.close() }
            try? await writerThread.shutdownGracefully()
            try? await readerThreads.shutdownGracefully()
            throw error
        }
        return SQLiteBackend(writerThread: writerThread, readerThreads: readerThreads, writer: opened[0], readers: Array(opened.dropFirst()))
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
        try? await gracefulShutdown()
        // Closing must happen even when the service ends by cancellation, and sqlite-nio's
        // thread-pool calls refuse to start in a cancelled task: close from a task of its own.
        let connections = [writer] + readers
        let writerThread = self.writerThread
        let readerThreads = self.readerThreads
        let executor = self.executor
        try await Task {
            for connection in connections {
                try await connection.gate.withGate { try await connection.connection.close() }
            }
            executor.close()
            try await writerThread.shutdownGracefully()
            try await readerThreads.shutdownGracefully()
        }.value
    }

    func withSession<Result: Sendable>(
        _ body: @Sendable (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        try await withTaskExecutorPreference(executor) { try await writer.withSession(body) }
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
