import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

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
    /// A response larger than this is refused (Stripe's objects are a few kilobytes).
    static let responseBytesMax = 1 << 20

    public let name = "stripe"
    let configuration: Configuration
    let client: HTTPClient
    let signature: TimestampedSignature

    public init(configuration: Configuration, client: HTTPClient = .shared) {
        self.configuration = configuration
        self.client = client
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
        var request = HTTPClientRequest(url: configuration.baseURL + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Idempotency-Key", value: key)
        request.body = .bytes(ByteBuffer(string: FormEncoding.encoded(form)))
        return try await send(request, unknown: .refused("not found: \(path)"))
    }

    private func get(_ path: String, unknown: PaymentError) async throws(PaymentError) -> ByteBuffer {
        try await send(HTTPClientRequest(url: configuration.baseURL + path), unknown: unknown)
    }

    private func send(_ request: HTTPClientRequest, unknown: PaymentError) async throws(PaymentError) -> ByteBuffer {
        var request = request
        request.headers.add(name: "Authorization", value: "Bearer \(configuration.secretKey)")
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await client.execute(request, timeout: .nanoseconds(configuration.requestTimeout.nanoseconds))
            body = try await response.body.collect(upTo: Self.responseBytesMax)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            throw .timedOut
        } catch {
            throw .unavailable("\(error)")
        }
        switch response.status.code {
        case 200..<300:
            return body
        case 404:
            throw unknown
        case 429:
            throw .rateLimited(retryAfterSeconds: Int(response.headers.first(name: "Retry-After") ?? "") ?? 1)
        case 500...:
            throw .unavailable("Stripe answered \(response.status.code)")
        default:
            let detail = (try? JSONDecoder().decode(ErrorJSON.self, from: body))?.error
            throw .refused(detail?.message ?? detail?.code ?? "Stripe answered \(response.status.code)")
        }
    }

    /// A provider id as one path segment: letters, digits and underscores only, so nothing a
    /// caller passes can change which URL is asked.
    static func pathComponent(_ reference: String) throws(PaymentError) -> String {
        guard (1...255).contains(reference.utf8.count),
              reference.utf8.allSatisfy({ $0 == 0x5F || (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) })
        else { throw .refused("not a Stripe id: \(reference.prefix(40))") }
        return reference
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
