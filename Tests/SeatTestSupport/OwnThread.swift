import Foundation
import SeatJournal

/// Runs blocking work (a `waitpid`, a thread join, a synchronous library call) on a thread of
/// its own and awaits its result, so it never occupies one of the cooperative pool's threads:
/// there are as many of those as cores (two here), and a test blocking one starves every async
/// test beside it.
public enum OwnThread {
    public static func run<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Swift.Result { try body() }) }.start()
        }
    }
}

/// Runs `body(threadIndex)` on `count` real threads released together, so they really overlap,
/// and resumes when all have finished, without holding a cooperative thread meanwhile.
public func runOnThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) async {
    await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
        let group = DispatchGroup()
        let start = DispatchSemaphore(value: 0)
        for index in 0..<count {
            group.enter()
            Thread {
                start.wait()
                body(index)
                group.leave()
            }.start()
        }
        for _ in 0..<count { start.signal() }
        group.notify(queue: .global()) { finished.resume() }
    }
}

extension JournalWriter {
    /// Closes the journal, which syncs its last records and waits for the writer thread to
    /// end, on a thread of its own rather than the cooperative pool.
    public func closed() async throws {
        try await OwnThread.run { self.close() }
    }
}
