import Foundation
import SeatInventory
import Synchronization

/// Runs `body(threadIndex)` on `count` real threads at once and returns when all have finished.
func runOnThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    let start = DispatchSemaphore(value: 0)
    for index in 0..<count {
        group.enter()
        let thread = Thread {
            start.wait()  // released together, so the threads really overlap
            body(index)
            group.leave()
        }
        thread.start()
    }
    for _ in 0..<count { start.signal() }
    group.wait()
}

/// A value behind a lock, shared by threads. `NSLock` (a pthread mutex) rather than
/// `Synchronization.Mutex`, whose futex-based locking lives in an uninstrumented library, so
/// ThreadSanitizer (`swift test --sanitize=thread`) can see this lock order the threads.
final class Locked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<Result>(_ body: (inout Value) -> Result) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}

/// A counter shared by threads (in a class for the same reason as ``Locked``).
final class SharedCounter: Sendable {
    private let count = Atomic<Int>(0)

    func add(_ amount: Int) { count.add(amount, ordering: .relaxed) }

    var value: Int { count.load(ordering: .relaxed) }
}

/// A clock the test moves by hand, shared by threads.
final class ManualClock: Sendable {
    private let milliseconds: Atomic<UInt64>

    init(startingAt start: UInt64) { milliseconds = Atomic(start) }

    var now: Timestamp { Timestamp(milliseconds: milliseconds.load(ordering: .relaxed)) }

    func advance(by step: UInt64) { milliseconds.add(step, ordering: .relaxed) }
}
