import BoxOfficeStorage
import Foundation
import Payments
import SeatClient

extension BookingService {
    /// Starts a payment attempt for a held order with `paymentMethod` (a provider token, or a
    /// sandbox test card) and drives the order as far as it goes: confirmed, waiting for the
    /// customer's 3-D Secure, processing, or back to held after a decline.
    ///
    /// - Throws: `paymentDeclined` (the seats stay held for another attempt), `seatsLostAfterPayment`
    ///   (the hold ended before the seats were sold; the payment is voided), `holdExpired`,
    ///   `orderNotPayable`, `paymentAttemptsExhausted`, `paymentProviderUnavailable`.
    public func pay(orderID: String, owner: Owner, paymentMethod: String) async throws -> Order {
        // The order's lock is held throughout, so the order read once stays current (a webhook
        // about this payment waits its turn); another process's change is still caught by each
        // store's version check.
        let (driven, attempt): (Order, Int) = try await locks.withLock(orderID) {
            let order = try await self.load(orderID)
            guard order.ownerID == owner.id else { throw BookingError.orderNotFound }
            var saga = OrderSaga(order)
            try saga.paymentStarted(now: self.now())
            guard let seats = self.seats else { throw BookingError.seatServerUnavailable }
            // Extended before the attempt is stored, in the same write: a crash between leaves the
            // order held with a longer deadline, which harms nobody.
            if let deadline = await self.extendHoldForPayment(order) { saga.holdExtended(until: deadline) }
            // The attempt's payment is created first, with the attempt's key, and stored with the
            // attempt, before it is confirmed: a crash before the write leaves an unconfirmed payment
            // that charges nobody (the next attempt has the same number, so the same key, and takes it
            // up again); one after it leaves a reference the reconciler can ask about.
            if case .success(let payment)? = await self.createPayment(for: saga.order) {
                saga.paymentCreated(reference: payment.reference, clientSecret: payment.clientSecret)
            }
            let created = try await self.store(saga)
            guard created.state == .paying, created.paymentAttempt == saga.order.paymentAttempt else {
                throw BookingError.orderNotPayable(created.state)
            }
            guard let reference = created.paymentReference else {
                // Stored without its payment: the reconciler creates it with the same key.
                throw BookingError.paymentProviderUnavailable("the payment could not be created; try again")
            }
            let answer: Result<ProviderPayment, PaymentError>
            do throws(PaymentError) {
                answer = .success(try await self.provider.confirmPayment(reference, paymentMethod: paymentMethod,
                                                                         idempotencyKey: created.paymentKey("confirm")))
            } catch {
                answer = .failure(error)
            }
            var outcome = OrderSaga(created)
            switch answer {
            case .success(let payment):
                // The provider's own answer, as asking it again would give.
                outcome.paymentObserved(payment)
            case .failure(let error) where !error.isTransient:
                outcome.paymentRefused(reason: error.description)
            case .failure(let error):
                // A lost answer (a timeout) may hide a success: the steps below ask the provider.
                self.logger.info("payment confirmation unanswered", metadata: ["order": "\(orderID)", "error": "\(error)"])
            }
            // An authorized payment goes straight on to the seats' confirmation and the capture,
            // all stored in one write. A crash before it leaves the order `paying` with its
            // payment's reference: the provider then says the payment completed, and the seat
            // server whether the seats were sold, whatever the hold's deadline (`abandonPayment`).
            guard outcome.order.state == .authorized else {
                let observed = try await self.record(outcome, into: StepOutcome(order: created, progressed: true))
                return (try await self.advance(observed.order), created.paymentAttempt)
            }
            let confirmed = try await self.runStep(.confirmSeats, of: outcome, seats: seats)
            return (confirmed.progressed ? try await self.advance(confirmed.order) : confirmed.order, created.paymentAttempt)
        }
        if driven.state == .held, driven.paymentAttempt == attempt, let failure = driven.paymentFailure {
            throw BookingError.paymentDeclined(failure)
        }
        if driven.state == .failed || driven.state == .voiding {
            throw BookingError.seatsLostAfterPayment(driven.failureReason ?? "the hold ended")
        }
        return driven
    }

    /// The customer's browser is back from the provider's payment page with what it answered
    /// (Razorpay Checkout's signed answer): once that checks out, the order is driven at once
    /// rather than when the webhook or the reconciler comes. Nothing in `fields` is trusted
    /// beyond the signature; the provider is asked how the payment stands.
    ///
    /// - Throws: `orderNotFound`, `noPaymentInProgress`, `invalidPaymentReturn` (nothing changed),
    ///   and what the drive reports as `pay` does.
    public func paymentReturned(orderID: String, owner: Owner, fields: [String: String]) async throws -> Order {
        let order = try await order(id: orderID, owner: owner)
        guard order.state == .paying, let reference = order.paymentReference else {
            throw BookingError.noPaymentInProgress(order.state)
        }
        do {
            try provider.verifyReturn(reference, fields: fields)
        } catch {
            logger.warning("payment return refused", metadata: ["order": "\(orderID)", "reason": "\(error)"])
            throw BookingError.invalidPaymentReturn(error.description)
        }
        let driven = try await drive(orderID)
        if driven.state == .failed || driven.state == .voiding {
            throw BookingError.seatsLostAfterPayment(driven.failureReason ?? "the hold ended")
        }
        return driven
    }

    /// Extends the hold once, when the first payment starts, so the customer has the payment
    /// window to complete it (the seat server caps it at the show's hold lifetime); returns the
    /// new deadline, or nil when the hold keeps its own.
    private func extendHoldForPayment(_ order: Order) async -> Date? {
        guard !order.isHoldExtended, let hold = order.holdID, let seats else { return nil }
        do {
            return Date(millisecondsSince1970: Int64(try await seats.extend(hold, by: configuration.paymentWindow)))
        } catch {
            // The hold keeps its deadline; payment may still complete within it.
            logger.info("hold not extended for payment", metadata: ["order": "\(order.id)", "reason": "\(error)"])
            return nil
        }
    }

    /// Takes a provider's webhook: checks its signature over the raw body, records it once in
    /// the inbox (a repeat does nothing), and drives the order it concerns after asking the
    /// provider how its payment stands (the webhook's own claims are not trusted).
    public func receiveWebhook(provider name: String, rawBody: [UInt8], headers: [String: String]) async throws {
        guard name == provider.name else { throw BookingError.invalidWebhook("no provider \(name) is configured") }
        let event: ProviderEvent
        do {
            event = try provider.verifyWebhook(rawBody: rawBody, headers: headers, now: now())
        } catch {
            logger.warning("webhook refused", metadata: ["provider": "\(name)", "reason": "\(error)"])
            throw BookingError.invalidWebhook(error.description)
        }
        let paymentReference: String = switch event.object {
        case .payment(let reference): reference
        case .refund(_, let paymentReference): paymentReference
        }
        let recorded = try await database.write { session in
            try await OrderRecords.recordWebhook(provider: name, eventID: event.id, type: event.type, paymentReference: paymentReference,
                                                 now: self.now().millisecondsSince1970, on: session)
        }
        switch recorded {
        case .repeated:
            return
        case .noOrder:
            logger.info("webhook for a payment of no order", metadata: ["provider": "\(name)", "event": "\(event.id)"])
        case .order(let orderID, let state):
            switch state.webhookAction {
            case .leave:
                return
            case .checkLatePayment:
                if try await checkLatePayment(orderID: orderID, paymentReference: paymentReference) { try await drive(orderID) }
            case .drive:
                try await driveUnlessSettled(orderID)
            }
        }
    }

    /// Drives the order unless it is settled by the time its lock is taken. A sale's webhooks
    /// mostly come while the customer's own payment request holds the order and drives it to
    /// the end; then the order's state alone says there is nothing left to do, and the order is
    /// not read whole (in a flash sale, for up to both of a booking's webhooks).
    private func driveUnlessSettled(_ orderID: String) async throws {
        try await locks.withLock(orderID) {
            let state = try await self.database.withReadSession { session in try await OrderRecords.state(id: orderID, on: session) }
            guard let state else { throw BookingError.orderNotFound }
            guard !state.isSettled else { return }
            _ = try await self.advance(try await self.load(orderID))
        }
    }

    /// An order that ended without a sale whose payment completed anyway (the provider says so)
    /// is put back on the path that voids or refunds it; returns whether it was.
    private func checkLatePayment(orderID: String, paymentReference: String) async throws -> Bool {
        let payment = try await provider.fetchPayment(paymentReference)
        return try await locks.withLock(orderID) {
            var saga = OrderSaga(try await self.load(orderID))
            saga.latePaymentObserved(payment)
            guard saga.order.state == .voiding else { return false }
            try await self.store(saga)
            return true
        }
    }
}
