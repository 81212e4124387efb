import NIOCore

/// Runs the nonisolated async code of tasks that prefer it (`withTaskExecutorPreference`) on
/// one event loop's thread instead of the cooperative pool.
///
/// SQLite's single writer is held for a whole transaction, across a hop per statement (the
/// statement runs on the backend's thread pool, then the transaction's code resumes). On the
/// cooperative pool each resumption queues behind every request the server is handling, so
/// the writer was held mostly for waiting; on a loop of its own it resumes at once.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
