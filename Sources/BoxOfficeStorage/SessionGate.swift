import DequeModule
import Synchronization

/// A first-come, first-served asynchronous lock with a bounded queue.
///
/// SQLite has one writer, and a connection must not interleave two sessions' statements, so
/// sessions on the SQLite backend take turns on this gate. Waiting suspends the task (it never
/// blocks a thread of the cooperative pool); when more than `waitersMax` are already waiting,
/// `enter()` refuses at once with `DatabaseError.overloaded`, so overload becomes a fast error
/// instead of an unbounded queue.
final class SessionGate: Sendable {
    private struct State {
        var isHeld = false
        var waiters = Deque<CheckedContinuation<Void, any Error>>()
    }

    private let state = Mutex(State())
    let waitersMax: Int

    init(waitersMax: Int) {
        precondition(waitersMax >= 0)
        self.waitersMax = waitersMax
    }

    func enter() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            enum Decision { case enter, wait, refuse }
            let decision: Decision = state.withLock { state in
                if !state.isHeld {
                    state.isHeld = true
                    return .enter
                }
                guard state.waiters.count < waitersMax else { return .refuse }
                state.waiters.append(continuation)
                return .wait
            }
            switch decision {
            case .enter: continuation.resume()
            case .refuse: continuation.resume(throwing: DatabaseError.overloaded(waitersMax: waitersMax))
            case .wait: break
            }
        }
    }

    /// Sessions waiting now (for tests and metrics).
    var waiterCount: Int { state.withLock { $0.waiters.count } }

    /// Hands the gate to the longest waiter, or opens it when nobody waits.
    func leave() {
        let next: CheckedContinuation<Void, any Error>? = state.withLock { state in
            precondition(state.isHeld, "leaving a gate nobody entered")
            if let next = state.waiters.popFirst() { return next }
            state.isHeld = false
            return nil
        }
        next?.resume()
    }

    func withGate<Result>(_ body: () async throws -> Result) async throws -> Result {
        try await enter()
        defer { leave() }
        return try await body()
    }
}
