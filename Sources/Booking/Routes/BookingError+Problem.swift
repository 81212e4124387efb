import BoxOfficeEdge
import Foundation
import HTTPTypes

extension BookingError: ProblemConvertible {
    public var problem: Problem {
        switch self {
        case .invalidField(let field, let message): .validation(field: field, message)
        case .showtimeNotFound: .notFound("No such showtime.")
        case .showtimeCancelled:
            Problem(.gone, code: "showtime_cancelled", title: "This showtime was cancelled", detail: "Its seats are no longer for sale.")
        case .showtimeStarted:
            .conflict(code: "showtime_started", title: "This showtime has started", detail: "Sales close when it starts.")
        case .notOnSale:
            .conflict(code: "not_on_sale", title: "This showtime's seats are not sold here",
                      detail: "It has no show in the seat server.")
        case .theatreNotAllowed(let theatre):
            Problem(.forbidden, code: "theatre_not_allowed", title: "This key does not book at this theatre",
                    detail: "The key books only at the theatres it was made for, and \(theatre) is not one of them.")
        case .unknownSeats(let seats):
            .validation(seats.map { seat in
                Problem.FieldError(field: "/seats", message: "no seat \(seat.label) on this screen"
                                   + (seat.suggestion.map { "; did you mean \($0)?" } ?? ""))
            })
        case .seatsRefused(let code, let message, let seats):
            Problem(.conflict, code: code, title: "Those seats cannot be held", detail: message,
                    errors: seats.map { Problem.FieldError(field: "/seats", message: $0) })
        case .orderNotFound: .notFound("No such order.")
        case .orderNotPayable(let state):
            .conflict(code: "order_not_payable", title: "This order cannot be paid now", detail: "It is \(state.rawValue).")
        case .holdExpired:
            Problem(.gone, code: "hold_expired", title: "The seats are no longer held",
                    detail: "The hold ran out before payment; choose seats again.")
        case .paymentAttemptsExhausted(let max):
            .conflict(code: "payment_attempts_exhausted", title: "Too many payment attempts",
                      detail: "An order takes at most \(max) payment attempts; choose seats again.")
        case .paymentDeclined(let reason):
            Problem(HTTPResponse.Status(code: 402, reasonPhrase: "Payment Required"), code: "payment_declined", title: "The payment was declined",
                    detail: "\(reason). The seats are still held: try another payment method.")
        case .seatsLostAfterPayment(let reason):
            .conflict(code: "seats_lost", title: "The seats could not be sold",
                      detail: "\(reason). The payment was voided: you were not charged.")
        case .noTicket(let state):
            .conflict(code: "no_ticket", title: "Only a confirmed booking has a ticket", detail: "This order is \(state.rawValue).")
        case .orderNotCancellable(let state):
            .conflict(code: "order_not_cancellable", title: "Only a confirmed booking can be cancelled",
                      detail: "This order is \(state.rawValue).")
        case .cancellationClosed(let minutes):
            .conflict(code: "cancellation_closed", title: "Cancelling has closed",
                      detail: "This theatre takes cancellations until \(minutes) minutes before the showtime.")
        case .promotionRefused(let refusal):
            Problem(.unprocessableContent, code: "promotion_not_applicable", title: "This promo code cannot be used here",
                    detail: refusal.reason, errors: [Problem.FieldError(field: "/code", message: refusal.reason)])
        case .promotionExists: .conflict(code: "promotion_exists", title: "A promotion with this code exists")
        case .promotionNotFound: .notFound("No such promotion.")
        case .seatServerUnavailable:
            Problem(.serviceUnavailable, code: "seat_server_unavailable", title: "The seat server cannot be reached",
                    detail: "Your order is kept and will be settled; look it up in a moment, or try again.",
                    headers: [.retryAfter: "5"])
        case .paymentProviderUnavailable(let reason):
            Problem(.serviceUnavailable, code: "payment_provider_unavailable", title: "The payment provider cannot be reached",
                    detail: reason, headers: [.retryAfter: "5"])
        case .invalidWebhook(let reason):
            Problem(.badRequest, code: "invalid_webhook", title: "The webhook was refused", detail: reason)
        case .invalidPaymentReturn(let reason):
            Problem(.unprocessableContent, code: "invalid_payment_return", title: "The payment page's answer was refused",
                    detail: reason, errors: [Problem.FieldError(field: "/fields", message: reason)])
        case .noFailedRefund:
            .conflict(code: "no_failed_refund", title: "This order has no failed refund to retry")
        case .refundRetriesExhausted(let count):
            .conflict(code: "refund_retries_exhausted", title: "This refund was retried too often",
                      detail: "A refund is asked for again at most \(count) times; settle it with the customer directly.")
        case .noPaymentInProgress(let state):
            .conflict(code: "no_payment_in_progress", title: "This order is not waiting for a payment",
                      detail: "This order is \(state.rawValue).")
        }
    }
}

extension Promotion.Refusal {
    /// What the customer is told.
    var reason: String {
        switch self {
        case .unknownCode: "there is no such promo code"
        case .inactive: "this promo code was withdrawn"
        case .notYetValid(let date): "this promo code is valid from \(date.formatted(.iso8601))"
        case .expired: "this promo code has expired"
        case .notForThis(let why): "this promo code does not apply: \(why)"
        case .exhausted: "this promo code has been used as many times as it may be"
        case .usedUpByYou(let max): "you have used this promo code \(max == 1 ? "already" : "\(max) times already")"
        }
    }
}
