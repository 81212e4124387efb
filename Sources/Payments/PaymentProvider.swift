import Foundation

/// A payment service provider, as the booking saga uses one: payments are authorized while the
/// seats are held and captured only once the seat server sold them (manual capture).
///
/// Every call that changes something takes an idempotency key, derived by the caller from its
/// order, so that a call repeated after a timeout or a crash never charges twice. Answers from
/// `fetchPayment` are the truth; webhooks only say when to ask.
public protocol PaymentProvider: Sendable {
    /// The name orders, webhooks and the inbox record (`sandbox`, `stripe`, `razorpay`).
    var name: String { get }

    /// Creates a payment of `amount` for `orderID`, not yet confirmed with a payment method.
    func createPayment(amount: Money, orderID: String, idempotencyKey: String) async throws(PaymentError) -> ProviderPayment
    /// Confirms the payment with the customer's payment method (a token, or a sandbox test card):
    /// it becomes authorized, needs the customer's action, is processing, or fails.
    func confirmPayment(_ reference: String, paymentMethod: String, idempotencyKey: String) async throws(PaymentError) -> ProviderPayment
    func fetchPayment(_ reference: String) async throws(PaymentError) -> ProviderPayment
    /// Takes the authorized amount.
    func capturePayment(_ reference: String, idempotencyKey: String) async throws(PaymentError) -> ProviderPayment
    /// Voids an authorization (or abandons a payment that never completed).
    func cancelPayment(_ reference: String, idempotencyKey: String) async throws(PaymentError) -> ProviderPayment
    /// Gives back `amount` of a captured payment.
    func refund(_ reference: String, amount: Money, idempotencyKey: String) async throws(PaymentError) -> ProviderRefund
    func fetchRefund(_ reference: String) async throws(PaymentError) -> ProviderRefund
    /// Checks what the customer's browser brought back from the provider's own payment page
    /// (Razorpay Checkout's signed answer) before the order is looked at again. A provider whose
    /// pages bring back nothing signed accepts any fields: the order's state comes from asking it.
    func verifyReturn(_ reference: String, fields: [String: String]) throws(PaymentError)
    /// Checks a webhook's signature over its raw body and reads the event.
    func verifyWebhook(rawBody: [UInt8], headers: [String: String], now: Date) throws(PaymentError) -> ProviderEvent
}

/// A payment as the provider sees it.
public struct ProviderPayment: Sendable, Equatable {
    public enum Status: Sendable, Equatable {
        /// Created; waiting for a payment method.
        case awaitingMethod
        /// The customer must act (3-D Secure): send them to `nextActionURL`.
        case requiresAction
        /// The provider is still deciding.
        case processing
        /// The amount is reserved on the customer's card, not yet taken.
        case authorized
        /// The amount was taken.
        case captured
        /// The payment method was refused; a new payment attempt may follow.
        case failed(reason: String)
        /// Voided or abandoned; nothing was taken.
        case canceled
    }

    public var reference: String
    public var status: Status
    public var amount: Money
    /// The order it was created for (from its metadata).
    public var orderID: String
    public var nextActionURL: String?
    /// What the provider's own browser library needs to finish the payment on the customer's
    /// side (Stripe's `client_secret`); given to the order's owner only.
    public var clientSecret: String?

    public init(reference: String, status: Status, amount: Money, orderID: String, nextActionURL: String? = nil,
                clientSecret: String? = nil) {
        self.reference = reference
        self.status = status
        self.amount = amount
        self.orderID = orderID
        self.nextActionURL = nextActionURL
        self.clientSecret = clientSecret
    }
}

public struct ProviderRefund: Sendable, Equatable {
    public enum Status: Sendable, Equatable {
        case pending
        case succeeded
        case failed(reason: String)
    }

    public var reference: String
    public var paymentReference: String
    public var amount: Money
    public var status: Status

    public init(reference: String, paymentReference: String, amount: Money, status: Status) {
        self.reference = reference
        self.paymentReference = paymentReference
        self.amount = amount
        self.status = status
    }
}

/// A webhook's event, once its signature checked out. Its claims are hints: the receiver asks
/// the provider for the object's current state before acting.
public struct ProviderEvent: Sendable, Equatable {
    public enum Object: Sendable, Equatable {
        case payment(reference: String)
        case refund(reference: String, paymentReference: String)
    }

    /// Unique per event at this provider: the inbox's deduplication key.
    public var id: String
    /// The provider's event type, as sent (`payment.authorized`, `payment_intent.succeeded`).
    public var type: String
    public var object: Object

    public init(id: String, type: String, object: Object) {
        self.id = id
        self.type = type
        self.object = object
    }
}

/// Why a provider call failed, in the terms the saga acts on.
public enum PaymentError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No answer in time: the call may or may not have taken effect. Repeat it with the same key.
    case timedOut
    /// The provider could not be reached or failed (5xx); nothing is known to have happened.
    case unavailable(String)
    /// The provider asks to slow down; try again after the delay.
    case rateLimited(retryAfterSeconds: Int)
    /// The provider refused the request as invalid; repeating it will not help.
    case refused(String)
    case unknownPayment(String)
    case unknownRefund(String)
    /// A webhook whose signature, timestamp or body does not check out.
    case invalidWebhook(String)
    /// What the customer's browser brought back from the provider's page does not check out.
    case invalidReturn(String)

    /// Whether repeating the call later (with the same key) may succeed.
    public var isTransient: Bool {
        switch self {
        case .timedOut, .unavailable, .rateLimited: true
        case .refused, .unknownPayment, .unknownRefund, .invalidWebhook, .invalidReturn: false
        }
    }

    public var description: String {
        switch self {
        case .timedOut: "the payment provider did not answer in time"
        case .unavailable(let reason): "the payment provider is unavailable: \(reason)"
        case .rateLimited(let seconds): "the payment provider asks to retry after \(seconds) s"
        case .refused(let reason): "the payment provider refused: \(reason)"
        case .unknownPayment(let reference): "the payment provider knows no payment \(reference)"
        case .unknownRefund(let reference): "the payment provider knows no refund \(reference)"
        case .invalidWebhook(let reason): "webhook refused: \(reason)"
        case .invalidReturn(let reason): "the payment page's answer was refused: \(reason)"
        }
    }
}
