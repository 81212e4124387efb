import Synchronization

/// Who wants to hear when an order changes on this instance (a customer's open order page):
/// the service signals after each stored step, so a page hears of its payment's outcome at
/// once. Orders changed by another instance are noticed by the listener's own periodic look.
/// Bounded: ``listenersMax`` at once over every order.
public final class OrderChanges: Sendable {
    public static let listenersMax = 10_000

    private struct Listeners {
        var byOrder: [String: [UInt64: AsyncStream<Void>.Continuation]] = [:]
        var count = 0
        var made: UInt64 = 0
    }

    private let listeners = Mutex(Listeners())

    public init() {}

    /// Signals `continuation` whenever the order may have changed; nil when ``listenersMax`` are open.
    public func listen(orderID: String, _ continuation: AsyncStream<Void>.Continuation) -> UInt64? {
        listeners.withLock { listeners in
            guard listeners.count < Self.listenersMax else { return nil }
            listeners.made += 1
            listeners.byOrder[orderID, default: [:]][listeners.made] = continuation
            listeners.count += 1
            return listeners.made
        }
    }

    public func stopListening(orderID: String, id: UInt64) {
        listeners.withLock { listeners in
            guard listeners.byOrder[orderID]?.removeValue(forKey: id) != nil else { return }
            listeners.count -= 1
            if listeners.byOrder[orderID]?.isEmpty == true { listeners.byOrder[orderID] = nil }
        }
    }

    func changed(_ orderID: String) {
        for continuation in listeners.withLock({ Array(($0.byOrder[orderID] ?? [:]).values) }) { continuation.yield() }
    }

    /// Open listeners (for tests).
    public var listening: Int { listeners.withLock { $0.count } }
}
