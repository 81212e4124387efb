import AsyncHTTPClient
import Foundation
import NIOCore

/// Stripe's PaymentIntents API with manual capture: an intent is created for the order's
/// total, confirmed with the customer's payment method (a `pm_…` that Stripe.js made in their
/// browser, so card numbers never reach the box office), captured once the seats are sold.
/// Every POST carries the saga's `Idempotency-Key`; webhooks are checked against
/// `Stripe-Signature`. The base URL is configurable (localstripe in the tests).
public final class StripeProvider: PaymentProvider {
    public struct Configuration: Sendable {
        public var baseURL: String
        /// `sk_…`, sent as the bearer token.
        public var secretKey: String
        /// `whsec_…`, the webhook endpoint's signing secret.
        public var webhookSecret: String
        /// How long one call may take before it counts as timed out (its outcome unknown).
        public var requestTimeout: Duration = .seconds(15)

        public init(baseURL: String = "https://api.stripe.com", secretKey: String, webhookSecret: String) {
            self.baseURL = baseURL
            self.secretKey = secretKey
            self.webhookSecret = webhookSecret
        }
    }

    public static let signatureHeader = "stripe-signature"

    public let name = "stripe"
    let http: ProviderHTTP
    let signature: TimestampedSignature

    public init(configuration: Configuration, client: HTTPClient = .shared) {
        http = ProviderHTTP(
            provider: "Stripe", baseURL: configuration.baseURL, authorization: "Bearer \(configuration.secretKey)",
            timeout: configuration.requestTimeout, client: client,
            refusalMessage: { body in
                let detail = (try? JSONDecoder().decode(ErrorJSON.self, from: body))?.error
                return detail?.message ?? detail?.code
            })
        signature = TimestampedSignature(secret: configuration.webhookSecret)
    }

    // MARK: payments

    public func createPayment(amount: Money, orderID: String, idempotencyKey: String) async throws(PaymentError) -> ProviderPayment {
        try await intent(post("/v1/payment_intents", [
            ("amount", String(amount.amountMinor)), ("currency", amount.currency.lowercased()),
            ("capture_method", "manual"), ("metadata[order_id]", orderID),
        ], key: idempotencyKey))
    }

    public func confirmPayment(_ reference: String, paymentMethod: String, idempotencyKey: String) async throws(PaymentError) -> ProviderPayment {
        guard paymentMethod.hasPrefix("pm_"), paymentMethod.utf8.count <= 255 else {
            throw .refused("Stripe takes a payment method id (pm_…) made by Stripe.js")
        }
        // Attached first, then confirmed: the two calls real Stripe and localstripe both take.
        _ = try await post("/v1/payment_intents/\(try Self.pathComponent(reference))", [("payment_method", paymentMethod)],
                           key: idempotencyKey + ":method")
        do {
            return try await intent(post("/v1/payment_intents/\(try Self.pathComponent(reference))/confirm", [], key: idempotencyKey))
        } catch .refused {
            // A decline answers 402; the intent says why.
            return try await fetchPayment(reference)
        }
    }

    public func fetchPayment(_ reference: String) async throws(PaymentError) -> ProviderPayment {
        try await intent(get("/v1/payment_intents/\(try Self.pathComponent(reference))", unknown: .unknownPayment(reference)))
    }

    public func capturePayment(_ reference: String, idempotencyKey: String) async throws(PaymentError) -> ProviderPayment {
        let current = try await fetchPayment(reference)
        if current.status == .captured { return current }
        return try await intent(post("/v1/payment_intents/\(try Self.pathComponent(reference))/capture", [], key: idempotencyKey))
    }

    public func cancelPayment(_ reference: String, idempotencyKey: String) async throws(PaymentError) -> ProviderPayment {
        let current = try await fetchPayment(reference)
        switch current.status {
        case .canceled: return current
        case .captured: throw .refused("payment \(reference) was captured: refund it instead")
        default: break
        }
        return try await intent(post("/v1/payment_intents/\(try Self.pathComponent(reference))/cancel", [], key: idempotencyKey))
    }

    // MARK: refunds

    public func refund(_ reference: String, amount: Money, idempotencyKey: String) async throws(PaymentError) -> ProviderRefund {
        let body = try await post("/v1/refunds", [("payment_intent", reference), ("amount", String(amount.amountMinor))],
                                  key: idempotencyKey)
        return try refund(body, paymentReference: reference)
    }

    public func fetchRefund(_ reference: String) async throws(PaymentError) -> ProviderRefund {
        try refund(await get("/v1/refunds/\(try Self.pathComponent(reference))", unknown: .unknownRefund(reference)), paymentReference: nil)
    }

    // MARK: webhooks

    /// Stripe.js finishes 3-D Secure in the browser and brings nothing signed back: the intent is looked up.
    public func verifyReturn(_ reference: String, fields: [String: String]) throws(PaymentError) {}

    public func verifyWebhook(rawBody: [UInt8], headers: [String: String], now: Date) throws(PaymentError) -> ProviderEvent {
        guard let header = headers[Self.signatureHeader] else { throw .invalidWebhook("no \(Self.signatureHeader) header") }
        try signature.verify(header: header, body: rawBody, now: now)
        guard let event = try? JSONDecoder().decode(EventJSON.self, from: Data(rawBody)) else {
            throw .invalidWebhook("the body is not a Stripe event")
        }
        let object = event.data.object
        switch object.object {
        case "payment_intent":
            return ProviderEvent(id: event.id, type: event.type, object: .payment(reference: object.id))
        case "charge":
            guard let intent = object.payment_intent else { throw .invalidWebhook("a charge event without its payment intent") }
            return ProviderEvent(id: event.id, type: event.type, object: .payment(reference: intent))
        case "refund":
            guard let intent = object.payment_intent else { throw .invalidWebhook("a refund event without its payment intent") }
            return ProviderEvent(id: event.id, type: event.type, object: .refund(reference: object.id, paymentReference: intent))
        default:
            throw .invalidWebhook("events about \(object.object) are not used")
        }
    }

    // MARK: the wire

    /// Stripe's objects as far as they are read here (snake case, as sent).
    struct IntentJSON: Decodable {
        struct PaymentError: Decodable {
            var code: String?
            var decline_code: String?
            var message: String?
        }
        var id: String
        var status: String
        var amount: Int64
        var currency: String
        var metadata: [String: String]?
        var client_secret: String?
        var last_payment_error: PaymentError?
    }

    struct RefundJSON: Decodable {
        var id: String
        var status: String
        var amount: Int64
        var currency: String
        var payment_intent: String?
        var failure_reason: String?
    }

    struct EventJSON: Decodable {
        struct Payload: Decodable {
            struct Object: Decodable {
                var id: String
                var object: String
                var payment_intent: String?
            }
            var object: Object
        }
        var id: String
        var type: String
        var data: Payload
    }

    struct ErrorJSON: Decodable {
        struct Detail: Decodable {
            var type: String?
            var code: String?
            var message: String?
        }
        var error: Detail
    }

    private func intent(_ body: ByteBuffer) throws(PaymentError) -> ProviderPayment {
        guard let intent = try? JSONDecoder().decode(IntentJSON.self, from: body) else {
            throw .unavailable("Stripe answered with something that is not a payment intent")
        }
        let status: ProviderPayment.Status = switch intent.status {
        case "requires_payment_method":
            intent.last_payment_error.map { .failed(reason: $0.decline_code ?? $0.code ?? "declined") } ?? .awaitingMethod
        case "requires_confirmation": .awaitingMethod
        case "requires_action": .requiresAction
        case "processing": .processing
        case "requires_capture": .authorized
        case "succeeded": .captured
        case "canceled": .canceled
        default: .processing
        }
        return ProviderPayment(
            reference: intent.id, status: status, amount: Money(intent.amount, intent.currency.uppercased()),
            orderID: intent.metadata?["order_id"] ?? "", clientSecret: intent.client_secret)
    }

    private func refund(_ body: ByteBuffer, paymentReference: String?) throws(PaymentError) -> ProviderRefund {
        guard let refund = try? JSONDecoder().decode(RefundJSON.self, from: body) else {
            throw .unavailable("Stripe answered with something that is not a refund")
        }
        let status: ProviderRefund.Status = switch refund.status {
        case "succeeded": .succeeded
        case "failed", "canceled": .failed(reason: refund.failure_reason ?? refund.status)
        default: .pending
        }
        return ProviderRefund(reference: refund.id, paymentReference: refund.payment_intent ?? paymentReference ?? "",
                              amount: Money(refund.amount, refund.currency.uppercased()), status: status)
    }

    private func post(_ path: String, _ form: [(String, String)], key: String) async throws(PaymentError) -> ByteBuffer {
        try await http.post(path, contentType: "application/x-www-form-urlencoded", body: FormEncoding.encoded(form),
                            headers: [("Idempotency-Key", key)], unknown: .refused("not found: \(path)"))
    }

    private func get(_ path: String, unknown: PaymentError) async throws(PaymentError) -> ByteBuffer {
        try await http.get(path, unknown: unknown)
    }

    static func pathComponent(_ reference: String) throws(PaymentError) -> String {
        try ProviderHTTP.pathComponent(reference, provider: "Stripe")
    }
}
