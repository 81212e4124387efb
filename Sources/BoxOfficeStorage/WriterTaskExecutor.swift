import NIOPosix
import Synchronization

/// Runs the nonisolated async code of tasks that prefer it (`withTaskExecutorPreference`) on
/// the thread that runs SQLite's writing connection: a thread pool of one, which sqlite-nio
/// hands each statement to.
///
/// SQLite's single writer is held for a whole transaction, across a hop per statement (to the
/// pool and back). On any other thread each hop is two wake-ups of a sleeping thread, and on a
/// busy machine each wake-up waits for a core: the writer was held mostly for waiting, and the
/// statements its transactions could run each second capped every booking. On the pool's own
/// thread a statement is queued behind the code that asked for it and runs as soon as that
/// code suspends, and the code resumes on the same thread when the statement is done.
final class WriterTaskExecutor: TaskExecutor {
    private let pool: NIOThreadPool
    private let isClosed = Atomic(false)

    init(_ pool: NIOThreadPool) {
        self.pool = pool
    }

    /// Sends later jobs to the global concurrent executor: call it before the pool shuts down.
    /// A session that arrives while the store closes then gets the closed connection's error
    /// from a thread of the global pool, instead of its code being run by a stopped pool.
    func close() {
        isClosed.store(true, ordering: .releasing)
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
