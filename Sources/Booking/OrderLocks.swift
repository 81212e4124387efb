/// Runs one order's steps one at a time within this process, so a request, a webhook and the
/// reconciler driving the same order take turns instead of racing to the seat server and the
/// provider (where the loser would only learn that the other's call is still in progress).
/// Correctness does not rest on it: across processes, conditional updates and idempotency keys
/// keep concurrent drivers safe.
actor OrderLocks {
    private var waiters: [String: [CheckedContinuation<Void, Never>]] = [:]

    func withLock<Result: Sendable>(_ orderID: String, _ body: @Sendable () async throws -> Result) async throws -> Result {
        await acquire(orderID)
        do {
            let result = try await body()
            release(orderID)
            return result
        } catch {
            release(orderID)
            throw error
        }
    }

    private func acquire(_ orderID: String) async {
        if waiters[orderID] == nil {
            waiters[orderID] = []
            return
        }
        await withCheckedContinuation { waiters[orderID, default: []].append($0) }
    }

    private func release(_ orderID: String) {
        guard var queue = waiters[orderID], !queue.isEmpty else {
            waiters[orderID] = nil
            return
        }
        let next = queue.removeFirst()
        waiters[orderID] = queue
        next.resume()
    }
}
