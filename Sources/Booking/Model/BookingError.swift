/// Why a booking request was refused. Each names what the customer can do about it.
public enum BookingError: Error, Sendable, Equatable {
    case invalidField(String, String)
    case showtimeNotFound
    case showtimeCancelled
    /// Sales close when the showtime starts.
    case showtimeStarted
    /// The showtime was imported without a show in the seat server.
    case notOnSale
    /// A partner key limited to some theatres asked for a showtime at another.
    case theatreNotAllowed(String)
    /// Labels that name no seat of the screen, each with the nearest real label when one is close.
    case unknownSeats([UnknownSeat])
    /// The seat server refused the hold; `seats` are the labels it named.
    case seatsRefused(code: String, message: String, seats: [String])
    case orderNotFound
    case orderNotPayable(OrderState)
    case holdExpired
    case paymentAttemptsExhausted(Int)
    /// The provider refused the payment method; the seats stay held for another attempt.
    case paymentDeclined(String)
    /// The payment went through but the seats could not be sold (the hold ended first): the
    /// payment was voided or refunded.
    case seatsLostAfterPayment(String)
    case orderNotCancellable(OrderState)
    /// Only a confirmed booking has a ticket.
    case noTicket(OrderState)
    /// The theatre's cancellation cut-off has passed.
    case cancellationClosed(cutoffMinutes: Int)
    case promotionRefused(Promotion.Refusal)
    case promotionExists
    case promotionNotFound
    case seatServerUnavailable
    case paymentProviderUnavailable(String)
    case invalidWebhook(String)
    /// The payment page's answer did not check out (a forged or mismatched Checkout signature).
    case invalidPaymentReturn(String)
    /// The order is not waiting for a payment to complete.
    case noPaymentInProgress(OrderState)
    /// Staff asked to retry refunds, and none of the order's has failed (or each is being retried).
    case noFailedRefund
    case refundRetriesExhausted(Int)
}

/// A seat label the screen does not have.
public struct UnknownSeat: Sendable, Equatable {
    public var label: String
    /// The closest label the screen has, when one is a typo away.
    public var suggestion: String?
}
