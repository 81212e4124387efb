import Glibc
import NIOPosix
import Synchronization

/// The thread an SQLite connection lives on. The connection is used only there, and the code of
/// the sessions on it runs there too (the task executor they prefer, `withTaskExecutorPreference`),
/// so a statement is a plain call that blocks this thread, never one of the cooperative pool.
///
/// SQLite's single writer is held for a whole transaction. With each statement handed to
/// another thread and its answer back, each was two wake-ups of sleeping threads, and on a busy
/// machine each wake-up waits for a core: the writer was held mostly for waiting.
final class ConnectionThread: TaskExecutor {
    private let pool: NIOThreadPool
    private let thread: pthread_t
    private let isClosed = Atomic(false)
    private let handOffCount = Atomic(0)

    private init(pool: NIOThreadPool, thread: pthread_t) {
        self.pool = pool
        self.thread = thread
    }

    /// Starts the thread.
    static func start() async throws -> ConnectionThread {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        return ConnectionThread(pool: pool, thread: try await pool.runIfActive { pthread_self() })
    }

    /// Whether the caller runs on this thread.
    var isCurrent: Bool { pthread_equal(pthread_self(), thread) != 0 }

    /// Runs `work` on the thread: as a plain call when already there (a session's code), else
    /// handed to it and awaited.
    func run<Result: Sendable>(_ work: @escaping @Sendable () throws -> Result) async throws -> Result {
        if isCurrent { return try work() }
        handOffCount.wrappingAdd(1, ordering: .relaxed)
        return try await pool.runIfActive(work)
    }

    /// Work handed to the thread from elsewhere so far (for tests: a session's statements are not).
    var handOffs: Int { handOffCount.load(ordering: .relaxed) }

    /// Sends later jobs to the global concurrent executor: call it before the thread stops. A
    /// session that arrives while the store closes then gets the closed connection's error from
    /// a thread of the global pool, instead of its code being run by a stopped thread.
    func close() {
        isClosed.store(true, ordering: .releasing)
    }

    /// Stops the thread once its queued work is done.
    func shutdown() async throws {
        try await pool.shutdownGracefully()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        if isClosed.load(ordering: .acquiring) {
            globalConcurrentExecutor.enqueue(job)
            return
        }
        let job = UnownedJob(job)
        // A pool that stopped after the check calls this at once, on the enqueuing thread,
        // which then runs the job itself: late, but never dropped.
        pool.submit { _ in job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
