import Foundation
import SeatInventory
import Synchronization

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
