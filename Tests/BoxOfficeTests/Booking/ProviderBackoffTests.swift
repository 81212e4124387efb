import Foundation
import Payments
import Synchronization
import Testing

@Suite("Backing off a payment provider that fails for now or asks us to slow down")
struct ProviderBackoffTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aFewLostAnswersAreToleratedThenPausesDoubleUpToTheCapAndASuccessCloses() {
        var backoff = ProviderBackoff()
        backoff.failed(.timedOut, at: Self.start)
        backoff.failed(.unavailable("Stripe answered 502"), at: Self.start)
        #expect(backoff.allows(at: Self.start))
        backoff.failed(.timedOut, at: Self.start)
        #expect(!backoff.allows(at: Self.start))
        #expect(backoff.closedAt == Self.start.addingTimeInterval(1))
        var pauses: [TimeInterval] = []
        for _ in 0..<8 {
            backoff.failed(.timedOut, at: Self.start)
            pauses.append(backoff.closedAt!.timeIntervalSince(Self.start))
        }
        #expect(pauses == [2, 4, 8, 16, 32, 60, 60, 60])
        backoff.succeeded()
        #expect(backoff.allows(at: Self.start) && backoff.consecutiveFailures == 0)
    }

    @Test func retryAfterIsObeyedAtOnceAndRefusalsDoNotCount() {
        var backoff = ProviderBackoff()
        backoff.failed(.refused("card_declined"), at: Self.start)
        backoff.failed(.unknownPayment("pay_1"), at: Self.start)
        #expect(backoff.consecutiveFailures == 0 && backoff.allows(at: Self.start))
        backoff.failed(.rateLimited(retryAfterSeconds: 30), at: Self.start)
        #expect(!backoff.allows(at: Self.start.addingTimeInterval(29)))
        #expect(backoff.allows(at: Self.start.addingTimeInterval(30)))
        // An absurd Retry-After is capped.
        backoff.failed(.rateLimited(retryAfterSeconds: 86_400), at: Self.start)
        #expect(backoff.closedAt == Self.start.addingTimeInterval(60))
    }

    /// A provider that answers `fetchPayment` from a script (the 429s and outages a real
    /// provider gives only when it is in trouble) and counts the calls that reached it.
    final class ScriptedProvider: PaymentProvider {
        let name = "scripted"
        let answers: Mutex<[Result<ProviderPayment, PaymentError>]>
        let calls = Mutex(0)

        init(_ answers: [Result<ProviderPayment, PaymentError>]) {
            self.answers = Mutex(answers)
        }

        func fetchPayment(_ reference: String) async throws(PaymentError) -> ProviderPayment {
            calls.withLock { $0 += 1 }
            return try answers.withLock { $0.removeFirst() }.get()
        }

        func createPayment(amount: Money, orderID: String, idempotencyKey: String) async throws(PaymentError) -> ProviderPayment { throw .timedOut }
        func confirmPayment(_ reference: String, paymentMethod: String, idempotencyKey: String) async throws(PaymentError) -> ProviderPayment { throw .timedOut }
        func capturePayment(_ reference: String, idempotencyKey: String) async throws(PaymentError) -> ProviderPayment { throw .timedOut }
        func cancelPayment(_ reference: String, idempotencyKey: String) async throws(PaymentError) -> ProviderPayment { throw .timedOut }
        func refund(_ reference: String, amount: Money, idempotencyKey: String) async throws(PaymentError) -> ProviderRefund { throw .timedOut }
        func fetchRefund(_ reference: String) async throws(PaymentError) -> ProviderRefund { throw .timedOut }
        func verifyReturn(_ reference: String, fields: [String: String]) throws(PaymentError) {}
        func verifyWebhook(rawBody: [UInt8], headers: [String: String], now: Date) throws(PaymentError) -> ProviderEvent {
            throw .invalidWebhook("scripted")
        }
    }

    @Test func whileBackedOffCallsFailAtOnceWithoutReachingTheProvider() async throws {
        let payment = ProviderPayment(reference: "pay_1", status: .authorized, amount: Money(100, "INR"), orderID: "o1")
        let scripted = ScriptedProvider([.failure(.rateLimited(retryAfterSeconds: 5)), .success(payment)])
        let clock = Mutex(Self.start)
        let provider = BackedOffProvider(scripted, now: { clock.withLock { $0 } })

        await #expect(throws: PaymentError.rateLimited(retryAfterSeconds: 5)) { try await provider.fetchPayment("pay_1") }
        clock.withLock { $0 = Self.start.addingTimeInterval(1.5) }
        await #expect(throws: PaymentError.rateLimited(retryAfterSeconds: 4)) { try await provider.fetchPayment("pay_1") }
        #expect(scripted.calls.withLock { $0 } == 1)

        clock.withLock { $0 = Self.start.addingTimeInterval(5) }
        #expect(try await provider.fetchPayment("pay_1") == payment)
        #expect(scripted.calls.withLock { $0 } == 2)
        #expect(provider.state == ProviderBackoff())
    }
}
