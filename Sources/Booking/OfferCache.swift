import Synchronization

/// The active offers as last read, kept for a short lifetime and loaded once however many
/// orders ask at the same moment.
///
/// Every new order weighs the offers (promotions without a code), so a sale read the promotions
/// table once per hold, for a list that changes a few times a day. Changes made through this
/// instance drop the list at once (a load that began before the change is not reused after it);
/// an offer created or withdrawn through another instance is seen within `lifetime`, the promise
/// of a read from a streaming replica. A withdrawn offer read before its withdrawal cannot be
/// taken anyway: taking a use checks that the promotion is still active, in the transaction that
/// takes it. The offers are weighed against each order's own moment, so one that ends within the
/// lifetime is refused by its dates; one that starts within it counts from the next load.
final class OfferCache: Sendable {
    private struct Load {
        let offers: Task<[Promotion], any Error>
        let expiresAtMs: Int64
    }

    let lifetimeMilliseconds: Int64
    private let current = Mutex<Load?>(nil)

    init(lifetime: Duration) {
        lifetimeMilliseconds = lifetime.milliseconds
    }

    /// The offers from the load running or done less than `lifetime` ago, or from a new one.
    /// A failed load is not kept: the next caller tries again.
    func offers(at nowMs: Int64, _ load: @escaping @Sendable () async throws -> [Promotion]) async throws -> [Promotion] {
        guard lifetimeMilliseconds > 0 else { return try await load() }
        let task = current.withLock { current in
            if let current, current.expiresAtMs > nowMs { return current.offers }
            let task = Task { try await load() }
            current = Load(offers: task, expiresAtMs: nowMs + lifetimeMilliseconds)
            return task
        }
        do {
            return try await task.value
        } catch {
            current.withLock { current in
                if current?.offers == task { current = nil }
            }
            throw error
        }
    }

    /// A promotion changed through this instance: the next caller loads afresh.
    func invalidate() {
        current.withLock { $0 = nil }
    }
}
