import Foundation
import Payments

/// The booking saga's rules, without I/O: which step an order needs next, and how each outcome
/// of a step changes it. ``BookingService`` runs the steps (seat server and provider calls, each
/// with a key derived from the order) and stores every change before relying on it; the
/// reconciler runs the same steps for orders a crash left behind.
///
/// An outcome that does not fit the order's state (a late or repeated answer) changes nothing:
/// states only move forward.
public struct OrderSaga: Sendable, Equatable {
    /// How long after its creation an order still waiting for its hold's answer may ask the seat
    /// server again with the same key: inside the seat server's 15-minute idempotency window,
    /// with a margin. Past it, any hold the request made has expired (holds live at most 10
    /// minutes in shows the catalog creates), so the order is given up without asking.
    public static let holdAnswerWaitMax: Duration = .seconds(12 * 60)
    /// Payment attempts one order may start (declines, abandoned 3-D Secure).
    public static let paymentAttemptsMax = 5

    public enum Step: Sendable, Equatable {
        /// Ask the seat server for the hold (again, with the same key).
        case placeHold
        /// The hold's answer never came and can no longer be asked for: give the order up.
        case abandonHold
        /// Wait for the customer (to pay, or to act on their payment).
        case awaitCustomer
        /// The hold ran out before payment started.
        case expireHold
        /// Create the attempt's payment at the provider (again, with the same key).
        case createPayment
        /// Ask the provider how the payment stands.
        case checkPayment
        /// The hold ran out while paying: cancel the payment at the provider, then expire.
        case abandonPayment
        case confirmSeats
        case capturePayment
        /// Give back the seats the seat server sold to the order.
        case cancelSeatBooking
        /// Void the authorization, or refund a captured payment in full.
        case voidPayment
        /// Refund a cancelled booking as its policy allows.
        case refundCancellation
        /// Nothing to do.
        case none
    }

    public private(set) var order: Order
    /// The order as it was read, before these changes: storing them writes only what differs.
    public let original: Order
    /// The outbox topics the changes so far produced, in order.
    public private(set) var events: [String] = []

    public init(_ order: Order) {
        self.order = order
        original = order
    }

    public func nextStep(now: Date) -> Step {
        let holdRanOut = order.holdDeadline.map { now >= $0 } ?? false
        switch order.state {
        case .holding:
            return now.timeIntervalSince(order.createdAt) < Self.holdAnswerWaitMax.seconds ? .placeHold : .abandonHold
        case .held:
            return holdRanOut ? .expireHold : .awaitCustomer
        case .paying:
            if holdRanOut { return .abandonPayment }
            return order.paymentReference == nil ? .createPayment : .checkPayment
        case .authorized:
            // The seat server decides whether the hold still stands, whatever our clock says.
            return .confirmSeats
        case .seatsConfirmed:
            return .capturePayment
        case .voiding:
            return order.seatBookingID != nil && !order.isSeatBookingCancelled ? .cancelSeatBooking : .voidPayment
        case .cancelling:
            return order.seatBookingID != nil && !order.isSeatBookingCancelled ? .cancelSeatBooking : .refundCancellation
        case .confirmed, .cancelled, .expired, .released, .rejected, .failed:
            return .none
        }
    }

    // MARK: outcomes

    public mutating func holdPlaced(holdID: UInt64, deadline: Date, seats: [OrderSeat], price: PriceBreakdown) {
        guard order.state == .holding else { return }
        order.state = .held
        order.holdID = holdID
        order.holdDeadline = deadline
        order.seats = seats
        order.price = price
    }

    public mutating func holdRefused(reason: String) {
        guard order.state == .holding else { return }
        end(.rejected, reason: reason)
    }

    public mutating func holdAbandoned() {
        guard order.state == .holding else { return }
        end(.rejected, reason: "the seat server did not answer the hold in time")
    }

    public mutating func holdExpired() {
        guard order.state == .held else { return }
        end(.expired, reason: "the hold ran out before payment", event: "booking.expired")
    }

    public mutating func released() {
        guard order.state == .held else { return }
        end(.released, reason: "the customer gave the seats up")
    }

    /// The customer starts a payment attempt; throws when another one is not allowed.
    public mutating func paymentStarted(now: Date) throws(BookingError) {
        guard order.state == .held else { throw .orderNotPayable(order.state) }
        if let deadline = order.holdDeadline, now >= deadline { throw .holdExpired }
        guard order.paymentAttempt < Self.paymentAttemptsMax else { throw .paymentAttemptsExhausted(Self.paymentAttemptsMax) }
        order.state = .paying
        order.paymentAttempt += 1
        order.paymentReference = nil
        order.paymentClientSecret = nil
        order.paymentNextActionURL = nil
        order.paymentFailure = nil
    }

    public mutating func holdExtended(until deadline: Date) {
        guard order.state == .paying || order.state == .held else { return }
        order.holdDeadline = deadline
        order.isHoldExtended = true
    }

    public mutating func paymentCreated(reference: String, clientSecret: String? = nil) {
        guard order.state == .paying, order.paymentReference == nil else { return }
        order.paymentReference = reference
        order.paymentClientSecret = clientSecret
    }

    /// What the provider says of the current attempt's payment.
    public mutating func paymentObserved(_ payment: ProviderPayment) {
        guard order.state == .paying, payment.reference == order.paymentReference else { return }
        switch payment.status {
        case .authorized, .captured:
            guard let total = order.price?.total, payment.amount == total else {
                // Never sell seats for a payment that does not match what the order costs.
                order.state = .voiding
                order.failureReason = "the payment's amount \(payment.amount) does not match the order's"
                events.append("payment.mismatch")
                return
            }
            order.state = .authorized
            order.paymentNextActionURL = nil
        case .failed(let reason):
            backToHeld(failure: reason)
        case .canceled:
            backToHeld(failure: "the payment was cancelled")
        case .awaitingMethod, .processing:
            break
        case .requiresAction:
            order.paymentNextActionURL = payment.nextActionURL
        }
    }

    /// The provider refused the payment method outright (the confirmation call failed, so no
    /// status was observed): the seats stay held for another attempt.
    public mutating func paymentRefused(reason: String) {
        guard order.state == .paying else { return }
        backToHeld(failure: reason)
    }

    /// A payment of an order that ended without a sale turned out to hold money (it completed
    /// after the hold ran out): it must be voided or refunded.
    public mutating func latePaymentObserved(_ payment: ProviderPayment) {
        guard order.state.endedWithoutSale, payment.reference == order.paymentReference
        else { return }
        guard payment.status == .authorized || payment.status == .captured else { return }
        order.state = .voiding
        order.failureReason = "the payment completed after the hold had ended"
    }

    public mutating func paymentAbandoned() {
        guard order.state == .paying else { return }
        end(.expired, reason: "the hold ran out before the payment completed", event: "booking.expired")
    }

    public mutating func seatsConfirmed(seatBookingID: UInt64, bookingCode: String) {
        guard order.state == .authorized else { return }
        order.state = .seatsConfirmed
        order.seatBookingID = seatBookingID
        order.bookingCode = bookingCode
    }

    public mutating func seatsLost(reason: String) {
        guard order.state == .authorized else { return }
        order.state = .voiding
        order.failureReason = reason
    }

    public mutating func captured(_ amount: Money) {
        guard order.state == .seatsConfirmed else { return }
        order.state = .confirmed
        order.capturedMinor = amount.amountMinor
        events.append("booking.confirmed")
    }

    public mutating func captureFailed(reason: String) {
        guard order.state == .seatsConfirmed else { return }
        order.state = .voiding
        order.failureReason = "the payment could not be captured: \(reason)"
    }

    public mutating func seatBookingCancelled() {
        guard order.state == .voiding || order.state == .cancelling else { return }
        order.isSeatBookingCancelled = true
    }

    /// The payment was voided or refunded in full: nobody paid for seats they did not get.
    public mutating func paymentVoided() {
        guard order.state == .voiding else { return }
        end(.failed, reason: order.failureReason ?? "the seats could not be sold", event: "booking.failed")
    }

    /// The customer cancels a confirmed booking under `terms`.
    public mutating func cancellationRequested(feeMinor: Int64, refundMinor: Int64) throws(BookingError) {
        guard order.state == .confirmed else { throw .orderNotCancellable(order.state) }
        order.state = .cancelling
        order.cancellationFeeMinor = feeMinor
        order.refundMinor = refundMinor
    }

    /// Staff cancelled the showtime: the booking is cancelled with everything refunded.
    public mutating func showtimeCancelled() {
        guard order.state == .confirmed else { return }
        order.state = .cancelling
        order.cancellationFeeMinor = 0
        order.refundMinor = order.capturedMinor
        order.failureReason = "the showtime was cancelled"
    }

    public mutating func cancellationRefunded() {
        guard order.state == .cancelling else { return }
        order.state = .cancelled
        events.append("booking.cancelled")
    }

    private mutating func backToHeld(failure: String) {
        order.state = .held
        order.paymentFailure = failure
        order.paymentNextActionURL = nil
        events.append("payment.failed")
    }

    private mutating func end(_ state: OrderState, reason: String, event: String? = nil) {
        order.state = state
        order.failureReason = reason
        if let event { events.append(event) }
    }
}

extension Duration {
    var seconds: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
