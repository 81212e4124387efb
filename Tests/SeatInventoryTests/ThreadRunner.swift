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

/// A clock the test moves by hand, shared by threads.
final class ManualClock: Sendable {
    private let milliseconds: Atomic<UInt64>

    init(startingAt start: UInt64) { milliseconds = Atomic(start) }

    var now: Timestamp { Timestamp(milliseconds: milliseconds.load(ordering: .relaxed)) }

    func advance(by step: UInt64) { milliseconds.add(step, ordering: .relaxed) }
}
