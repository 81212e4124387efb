import Synchronization

/// One load per key at a time: a caller that asks while a load of its key runs waits for that
/// load's result instead of starting its own.
///
/// A cold cache in front of a costly load otherwise fails exactly when it matters: a stadium's
/// seat-map layout (100,000 seats decoded, labelled and encoded) is costly to build, and the
/// first moment of its sale brings a hundred requests for it at once. Each built its own copy,
/// and in one flash sale that left every request in flight unanswered for over a minute.
final class SingleFlight<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Load {
        let task: Task<Value, any Error>
        var callers: Int
    }

    private let loads = Mutex<[Key: Load]>([:])

    /// Callers waiting for a load of `key` now (for tests).
    func callers(of key: Key) -> Int { loads.withLock { $0[key]?.callers ?? 0 } }

    /// Loads with callers now (for tests).
    var loadsInFlight: Int { loads.withLock { $0.count } }

    /// The result of `load` for `key`: from the load already running for it, or from a new one.
    ///
    /// The load runs in a task of its own, so a caller's cancellation does not fail the others
    /// waiting for it (the caller still waits for it to finish). The load is forgotten when its
    /// last caller has its result: the next caller loads afresh (by then the value is cached, or
    /// the load failed and may be tried again).
    func value(for key: Key, _ load: @escaping @Sendable () async throws -> Value) async throws -> Value {
        let task = loads.withLock { loads in
            if var running = loads[key] {
                running.callers += 1
                loads[key] = running
                return running.task
            }
            let task = Task { try await load() }
            loads[key] = Load(task: task, callers: 1)
            return task
        }
        let result = await task.result
        loads.withLock { loads in
            guard var running = loads[key] else { return }
            running.callers -= 1
            loads[key] = running.callers == 0 ? nil : running
        }
        return try result.get()
    }
}
