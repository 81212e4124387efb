import Foundation
import Synchronization

/// When to call a payment provider again after it failed for now (timeouts, 5xx, 429): a
/// circuit breaker with exponential backoff, as a value (``BackedOffProvider`` applies it).
///
/// A 429 is obeyed at once for its `Retry-After`. Other transient failures are tolerated up to
/// `failuresBeforeOpening` in a row (one lost answer says little); past that, calls stop for a
/// pause that doubles with each further failure, up to `pauseMax`. One success closes it.
/// While it is open the booking saga's steps fail for now without a call, and the reconciler
/// takes them up again after the pause, with the same idempotency keys.
public struct ProviderBackoff: Sendable, Equatable {
    public static let failuresBeforeOpening = 3
    public static let firstPause: Duration = .seconds(1)
    public static let pauseMax: Duration = .seconds(60)

    /// Transient failures since the last success.
    public private(set) var consecutiveFailures = 0
    /// No call before this time.
    public private(set) var closedAt: Date?

    public init() {}

    /// Whether a call may go out at `now`.
    public func allows(at now: Date) -> Bool {
        closedAt.map { now >= $0 } ?? true
    }

    public mutating func succeeded() {
        consecutiveFailures = 0
        closedAt = nil
    }

    /// Takes in a failed call's error; only transient ones count.
    public mutating func failed(_ error: PaymentError, at now: Date) {
        guard error.isTransient else { return }
        consecutiveFailures += 1
        var pause: Duration = .zero
        if consecutiveFailures >= Self.failuresBeforeOpening {
            let doublings = min(consecutiveFailures - Self.failuresBeforeOpening, 6)
            pause = min(Self.firstPause * (1 << doublings), Self.pauseMax)
        }
        if case .rateLimited(let seconds) = error {
            pause = max(pause, min(.seconds(max(seconds, 1)), Self.pauseMax))
        }
        guard pause > .zero else { return }
        let reopens = now.addingTimeInterval(Double(pause.components.seconds))
        closedAt = max(closedAt ?? reopens, reopens)
    }
}

/// A payment provider called only when its ``ProviderBackoff`` allows: while it is backed off,
/// calls fail at once with ``PaymentError/rateLimited(retryAfterSeconds:)`` instead of adding
/// to the load of a provider that is failing or asked us to slow down.
public final class BackedOffProvider: PaymentProvider {
    private let base: any PaymentProvider
    private let backoff = Mutex(ProviderBackoff())
    private let now: @Sendable () -> Date

    public var name: String { base.name }

    public init(_ base: any PaymentProvider, now: @escaping @Sendable () -> Date = Date.init) {
        self.base = base
        self.now = now
    }

    /// The backoff as it stands (for tests and the logs).
    public var state: ProviderBackoff { backoff.withLock { $0 } }

    private func call<Result>(_ operation: () async throws(PaymentError) -> Result) async throws(PaymentError) -> Result {
        let start = now()
        if let closedAt = backoff.withLock({ $0.allows(at: start) ? nil : $0.closedAt }) {
            throw .rateLimited(retryAfterSeconds: max(1, Int(closedAt.timeIntervalSince(start).rounded(.up))))
        }
        do {
            let result = try await operation()
            backoff.withLock { $0.succeeded() }
            return result
        } catch {
            let failedAt = now()
            backoff.withLock { $0.failed(error, at: failedAt) }
            throw error
        }
    }

    public func createPayment(amount: Money, orderID: String, idempotencyKey: String) async throws(PaymentError) -> ProviderPayment {
        try await call { () async throws(PaymentError) in try await base.createPayment(amount: amount, orderID: orderID, idempotencyKey: idempotencyKey) }
    }

    public func confirmPayment(_ reference: String, paymentMethod: String, idempotencyKey: String) async throws(PaymentError) -> ProviderPayment {
        try await call { () async throws(PaymentError) in
            try await base.confirmPayment(reference, paymentMethod: paymentMethod, idempotencyKey: idempotencyKey)
        }
    }

    public func fetchPayment(_ reference: String) async throws(PaymentError) -> ProviderPayment {
        try await call { () async throws(PaymentError) in try await base.fetchPayment(reference) }
    }

    public func capturePayment(_ reference: String, idempotencyKey: String) async throws(PaymentError) -> ProviderPayment {
        try await call { () async throws(PaymentError) in try await base.capturePayment(reference, idempotencyKey: idempotencyKey) }
    }

    public func cancelPayment(_ reference: String, idempotencyKey: String) async throws(PaymentError) -> ProviderPayment {
        try await call { () async throws(PaymentError) in try await base.cancelPayment(reference, idempotencyKey: idempotencyKey) }
    }

    public func refund(_ reference: String, amount: Money, idempotencyKey: String) async throws(PaymentError) -> ProviderRefund {
        try await call { () async throws(PaymentError) in try await base.refund(reference, amount: amount, idempotencyKey: idempotencyKey) }
    }

    public func fetchRefund(_ reference: String) async throws(PaymentError) -> ProviderRefund {
        try await call { () async throws(PaymentError) in try await base.fetchRefund(reference) }
    }

    /// Verifying calls nobody: never backed off.
    public func verifyReturn(_ reference: String, fields: [String: String]) throws(PaymentError) {
        try base.verifyReturn(reference, fields: fields)
    }

    public func verifyWebhook(rawBody: [UInt8], headers: [String: String], now: Date) throws(PaymentError) -> ProviderEvent {
        try base.verifyWebhook(rawBody: rawBody, headers: headers, now: now)
    }
}
