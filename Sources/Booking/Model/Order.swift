import Catalog
import Foundation
import Payments

/// Where an order is in the booking saga. It only moves forward (see ``OrderSaga``).
public enum OrderState: String, Sendable, Codable, CaseIterable {
    /// Stored; the hold request to the seat server is on its way (or its answer was lost).
    case holding
    /// The seats are held; the customer may pay until the hold's deadline.
    case held
    /// A payment attempt is under way at the provider.
    case paying
    /// The provider authorized the amount; the seats are being sold to the order.
    case authorized
    /// The seat server sold the seats; the payment is being captured.
    case seatsConfirmed = "seats_confirmed"
    /// Booked and paid.
    case confirmed
    /// The customer cancelled the booking; its seats go back on sale and the refund goes out.
    case cancelling
    /// Cancelled and refunded (as the theatre's policy allows).
    case cancelled
    /// Money may have been authorized but the seats cannot be sold (or the capture failed): the
    /// payment is being voided or refunded, and any seats sold are given back.
    case voiding
    /// The hold ran out before payment completed. Nobody was charged.
    case expired
    /// The customer gave the seats up before paying.
    case released
    /// The seat server refused the hold (seats taken, rules, an unknown show).
    case rejected
    /// The seats could not be sold after the payment was authorized; the payment was voided or
    /// refunded in full.
    case failed

    /// Whether nothing more will happen to the order by itself (a confirmed booking may still be
    /// cancelled by its customer).
    public var isSettled: Bool {
        switch self {
        case .confirmed, .cancelled, .expired, .released, .rejected, .failed: true
        case .holding, .held, .paying, .authorized, .seatsConfirmed, .cancelling, .voiding: false
        }
    }

    /// Whether the order ended before its seats were sold, so nobody was to be charged: a
    /// payment that completes anyway afterwards must be voided or refunded.
    public var endedWithoutSale: Bool {
        switch self {
        case .expired, .released, .rejected: true
        default: false
        }
    }

    /// What a provider's webhook about the order's payment does, from the order's state alone.
    public enum WebhookAction: Sendable, Equatable {
        /// Nothing: the order is settled with its sale (or its money given back), and most of a
        /// sale's webhooks find it so, after the customer's own request drove it to the end. It
        /// is neither read whole nor locked.
        case leave
        /// Ask the provider whether the payment completed after the order ended without a sale.
        case checkLatePayment
        /// Drive the order from where it stands.
        case drive
    }

    public var webhookAction: WebhookAction {
        if endedWithoutSale { return .checkLatePayment }
        return isSettled ? .leave : .drive
    }
}

/// Which seats an order asked for.
public enum SeatSelection: Sendable, Equatable, Codable {
    /// These seats, by index in the show's layout.
    case seats([UInt32])
    /// The best `count` free seats together, optionally of one category.
    case bestAvailable(count: Int, category: String?, accessible: Bool)
}

/// One seat of an order, with its price.
public struct OrderSeat: Sendable, Equatable, Codable {
    public var index: UInt32
    public var label: String
    public var category: String
    public var priceMinor: Int64

    public init(index: UInt32, label: String, category: String, priceMinor: Int64) {
        self.index = index
        self.label = label
        self.category = category
        self.priceMinor = priceMinor
    }
}

/// An order: a customer's seats of one showtime on their way to becoming a paid booking.
public struct Order: Sendable, Equatable {
    public var id: String
    /// The user, or `partner:<key id>` for a partner's customer.
    public var ownerID: String
    /// The partner's own reference of its customer (partners only).
    public var customerReference: String?
    public var showtimeID: String
    public var movieID: String
    public var theatreID: String
    public var seatShowID: UInt32
    public var showtimeStartsAt: Date
    public var selection: SeatSelection
    public var state: OrderState
    /// Bumped by every stored change: updates are conditional on it, so two actors (a request,
    /// a webhook, the reconciler, another instance) never both apply a step.
    public var version: Int64
    public var seats: [OrderSeat]
    public var price: PriceBreakdown?
    /// The theatre's cancellation terms when the order was placed: the ones the customer bought under.
    public var cancellationPolicy: CancellationPolicy
    /// The promotion whose discount is in `price`.
    public var promotionID: String?
    public var holdID: UInt64?
    public var holdDeadline: Date?
    /// Whether the hold was already extended for payment (once only).
    public var isHoldExtended: Bool
    public var paymentProvider: String
    /// Payment attempts started; the current one's keys derive from it.
    public var paymentAttempt: Int
    public var paymentReference: String?
    /// The provider's secret for its browser library to finish this attempt (Stripe's `client_secret`).
    public var paymentClientSecret: String?
    /// Where the customer must go to complete the payment (3-D Secure).
    public var paymentNextActionURL: String?
    /// Why the last payment attempt failed.
    public var paymentFailure: String?
    public var seatBookingID: UInt64?
    /// Whether the seat server's booking was cancelled again (seats given back).
    public var isSeatBookingCancelled: Bool
    /// The code printed on the ticket; set when the seats are sold.
    public var bookingCode: String?
    public var capturedMinor: Int64
    /// What cancelling refunds (set when the cancellation starts).
    public var refundMinor: Int64?
    public var cancellationFeeMinor: Int64?
    /// Why the order ended without a booking, for people.
    public var failureReason: String?
    public var createdAt: Date
    public var updatedAt: Date

    /// Ids of the seat server's and the provider's calls for this order: the same step of the
    /// same order always sends the same key, so repeating it never acts twice.
    public func idempotencyKey(_ step: String) -> String { "order:\(id):\(step)" }

    /// The key of the current payment attempt's `step`.
    public func paymentKey(_ step: String) -> String { idempotencyKey("payment-\(paymentAttempt):\(step)") }
}
