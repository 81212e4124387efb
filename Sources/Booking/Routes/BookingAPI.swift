import Foundation
import Hummingbird
import Payments

/// The booking routes' request and response bodies.
public enum BookingAPI {
    /// Either `seats` (labels) or `bestAvailable`.
    public struct PlaceOrder: Decodable, Sendable {
        public struct BestAvailable: Decodable, Sendable {
            public var count: Int
            public var category: String?
            public var accessible: Bool?
        }

        public var seats: [String]?
        public var bestAvailable: BestAvailable?
        /// A partner's reference of its customer (partners only).
        public var customerReference: String?
    }

    public struct Pay: Decodable, Sendable {
        /// A provider's payment-method token, a sandbox test card number, or `checkout` (Razorpay).
        public var paymentMethod: String
    }

    /// What the customer's browser brought back from the provider's payment page (Razorpay
    /// Checkout's `razorpay_order_id`, `razorpay_payment_id` and `razorpay_signature`).
    public struct PaymentReturn: Decodable, Sendable {
        /// Fields beyond this, or longer than their limits, are refused.
        public static let fieldsMax = 8
        public static let nameBytesMax = 64
        public static let valueBytesMax = 512
        public var fields: [String: String]
    }

    /// An order's refunds, oldest first.
    public struct Refunds: ResponseEncodable, Sendable {
        public struct Refund: Codable, Sendable {
            public var amountMinor: Int64
            public var currency: String
            /// `requested`, `pending`, `succeeded` or `failed`.
            public var status: String
        }
        public var refunds: [Refund]
    }

    public struct OrderView: ResponseEncodable, Sendable {
        public struct Seat: Codable, Sendable {
            public var label: String
            public var category: String
            public var priceMinor: Int64
        }

        public struct Payment: Codable, Sendable {
            public var provider: String
            public var attempt: Int
            public var nextActionUrl: String?
            /// For the provider's browser library to finish the payment (Stripe.js's client secret,
            /// the Razorpay order id Checkout opens).
            public var clientSecret: String?
            public var failure: String?
        }

        public struct Cancellation: Codable, Sendable {
            public var feeMinor: Int64
            public var refundMinor: Int64
        }

        public var id: String
        public var state: String
        public var showtimeId: String
        public var theatreId: String
        public var showtimeStartsAt: Date
        public var customerReference: String?
        public var seats: [Seat]
        public var price: PriceBreakdown?
        /// Until when the seats are held (while the order is not yet booked).
        public var holdExpiresAt: Date?
        public var payment: Payment?
        public var bookingCode: String?
        public var cancellation: Cancellation?
        public var failureReason: String?
        public var createdAt: Date
        public var updatedAt: Date

        public init(_ order: Order) {
            id = order.id
            state = order.state.rawValue
            showtimeId = order.showtimeID
            theatreId = order.theatreID
            showtimeStartsAt = order.showtimeStartsAt
            customerReference = order.customerReference
            seats = order.seats.map { Seat(label: $0.label, category: $0.category, priceMinor: $0.priceMinor) }
            price = order.price
            holdExpiresAt = [.held, .paying, .authorized].contains(order.state) ? order.holdDeadline : nil
            payment = order.paymentAttempt == 0 ? nil : Payment(
                provider: order.paymentProvider, attempt: order.paymentAttempt,
                nextActionUrl: order.paymentNextActionURL,
                clientSecret: order.state == .paying ? order.paymentClientSecret : nil, failure: order.paymentFailure)
            bookingCode = order.bookingCode
            cancellation = order.refundMinor.map { Cancellation(feeMinor: order.cancellationFeeMinor ?? 0, refundMinor: $0) }
            failureReason = order.failureReason
            createdAt = order.createdAt
            updatedAt = order.updatedAt
        }
    }

    public struct OrderList: ResponseEncodable, Sendable {
        public var orders: [OrderView]
        /// Pass as `before` for the next (older) page; absent on the last page.
        public var nextBefore: Date?
    }

    public struct ApplyPromotion: Decodable, Sendable {
        public var code: String
    }

    public struct PromotionView: ResponseCodable, Sendable {
        public var id: String
        public var code: String?
        public var description: String
        public var kind: Promotion.Kind
        public var value: Int64
        public var currency: String?
        public var scope: Promotion.Scope
        public var scopeId: String?
        public var validFrom: Date
        public var validUntil: Date
        public var usesMax: Int?
        public var usesPerPersonMax: Int?
        public var active: Bool
        /// Uses taken so far (reserved by open orders, or used by confirmed ones).
        public var uses: Int64?

        public init(_ promotion: Promotion, uses: Int64?) {
            id = promotion.id
            code = promotion.code
            description = promotion.description
            kind = promotion.kind
            value = promotion.value
            currency = promotion.currency
            scope = promotion.scope
            scopeId = promotion.scopeID
            validFrom = promotion.validFrom
            validUntil = promotion.validUntil
            usesMax = promotion.usesMax
            usesPerPersonMax = promotion.usesPerPersonMax
            active = promotion.isActive
            self.uses = uses
        }
    }

    public struct PromotionList: ResponseCodable, Sendable {
        public var promotions: [PromotionView]
    }

    public struct CancellationTerms: ResponseEncodable, Sendable {
        public var cancellable: Bool
        public var feeMinor: Int64?
        public var refundMinor: Int64?
        public var currency: String?
        public var cutoffMinutes: Int
    }
}
