import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore

/// Razorpay's Orders and Payments APIs with manual capture. An order of ours becomes a Razorpay
/// order (its id is the payment's reference); the customer pays it in Razorpay Checkout, which
/// answers their browser with `razorpay_payment_id`, `razorpay_order_id` and a signature over
/// `order_id|payment_id` keyed with our key secret (checked by ``verifyReturn(_:fields:)``).
/// Payments are captured once the seats are sold and refunded with a receipt derived from the
/// saga's key. Webhooks are checked against `X-Razorpay-Signature`, an HMAC of the raw body.
///
/// Razorpay has no idempotency keys, so each call that creates something first looks for what
/// an earlier try with the same key made: orders and refunds carry a receipt derived from it.
/// It has no void either: an authorization that is never captured is refunded by Razorpay
/// itself when its capture timeout passes, so ``cancelPayment(_:idempotencyKey:)`` only makes
/// sure nothing was captured.
public final class RazorpayProvider: PaymentProvider {
    public struct Configuration: Sendable {
        public var baseURL: String
        /// `rzp_…`, public: Checkout in the customer's browser is opened with it.
        public var keyID: String
        /// Signs Checkout's answers, and with the key id authenticates our calls.
        public var keySecret: String
        /// The webhook endpoint's secret, set in Razorpay's dashboard.
        public var webhookSecret: String
        /// How long one call may take before it counts as timed out (its outcome unknown).
        public var requestTimeout: Duration = .seconds(15)

        public init(baseURL: String = "https://api.razorpay.com", keyID: String, keySecret: String, webhookSecret: String) {
            self.baseURL = baseURL
            self.keyID = keyID
            self.keySecret = keySecret
            self.webhookSecret = webhookSecret
        }
    }

    public static let signatureHeader = "x-razorpay-signature"
    public static let eventIDHeader = "x-razorpay-event-id"
    /// The payment method a Razorpay order is paid with: the customer pays in Checkout, then
    /// their browser sends Checkout's answer to the order's `payment/return`.
    public static let checkoutMethod = "checkout"

    public let name = "razorpay"
    let http: ProviderHTTP
    let keySecret: [UInt8]
    let webhookSecret: [UInt8]

    public init(configuration: Configuration, client: HTTPClient = .shared) {
        let credentials = Data("\(configuration.keyID):\(configuration.keySecret)".utf8).base64EncodedString()
        http = ProviderHTTP(
            provider: "Razorpay", baseURL: configuration.baseURL, authorization: "Basic \(credentials)",
            timeout: configuration.requestTimeout, client: client,
            refusalMessage: { body in (try? JSONDecoder().decode(RazorpayWire.ErrorBody.self, from: body))?.error.description })
        keySecret = Array(configuration.keySecret.utf8)
        webhookSecret = Array(configuration.webhookSecret.utf8)
    }

    // MARK: payments

    public func createPayment(amount: Money, orderID: String, idempotencyKey: String) async throws(PaymentError) -> ProviderPayment {
        let receipt = Self.receipt(idempotencyKey)
        let earlier: RazorpayWire.List<RazorpayWire.Order> = try decode(
            await http.get("/v1/orders?receipt=\(receipt)", unknown: .refused("orders cannot be listed")))
        if let order = earlier.items.first {
            return try await fetchPayment(order.id)
        }
        let body = RazorpayWire.NewOrder(
            amount: amount.amountMinor, currency: amount.currency, receipt: receipt, notes: ["order_id": orderID],
            payment: .init(capture: "manual"))
        let order: RazorpayWire.Order = try decode(await post("/v1/orders", body))
        return RazorpayPaymentState(order: order, payments: []).payment
    }

    /// Razorpay takes no payment method from us: the customer pays in Checkout. Anything but
    /// ``checkoutMethod`` is refused; that answers how the order stands.
    public func confirmPayment(_ reference: String, paymentMethod: String, idempotencyKey: String) async throws(PaymentError) -> ProviderPayment {
        guard paymentMethod == Self.checkoutMethod else {
            throw .refused("Razorpay payments are made in Checkout: pay with \"\(Self.checkoutMethod)\"")
        }
        return try await fetchPayment(reference)
    }

    public func fetchPayment(_ reference: String) async throws(PaymentError) -> ProviderPayment {
        try await state(of: reference).payment
    }

    public func capturePayment(_ reference: String, idempotencyKey: String) async throws(PaymentError) -> ProviderPayment {
        let state = try await state(of: reference)
        if state.captured != nil { return state.payment }
        guard let authorized = state.authorized else {
            throw .refused("order \(reference) has no authorized payment to capture")
        }
        let body = RazorpayWire.Capture(amount: authorized.amount, currency: authorized.currency)
        let captured: RazorpayWire.Payment = try decode(
            await post("/v1/payments/\(try Self.pathComponent(authorized.id))/capture", body))
        return RazorpayPaymentState(order: state.order, payments: [captured]).payment
    }

    public func cancelPayment(_ reference: String, idempotencyKey: String) async throws(PaymentError) -> ProviderPayment {
        let state = try await state(of: reference)
        guard state.captured == nil else { throw .refused("order \(reference) was paid and captured: refund it instead") }
        var payment = state.payment
        payment.status = .canceled
        return payment
    }

    // MARK: refunds

    public func refund(_ reference: String, amount: Money, idempotencyKey: String) async throws(PaymentError) -> ProviderRefund {
        guard let captured = try await state(of: reference).captured else {
            throw .refused("order \(reference) has no captured payment to refund")
        }
        let paymentPath = "/v1/payments/\(try Self.pathComponent(captured.id))"
        let receipt = Self.receipt(idempotencyKey)
        let earlier: RazorpayWire.List<RazorpayWire.Refund> = try decode(
            await http.get(paymentPath + "/refunds?count=100", unknown: .unknownPayment(reference)))
        if let refund = earlier.items.first(where: { $0.receipt == receipt }) {
            return refund.provided(orderReference: reference)
        }
        let body = RazorpayWire.NewRefund(amount: amount.amountMinor, receipt: receipt, notes: ["order_reference": reference])
        let refund: RazorpayWire.Refund = try decode(await post(paymentPath + "/refund", body))
        return refund.provided(orderReference: reference)
    }

    public func fetchRefund(_ reference: String) async throws(PaymentError) -> ProviderRefund {
        let refund: RazorpayWire.Refund = try decode(
            await http.get("/v1/refunds/\(try Self.pathComponent(reference))", unknown: .unknownRefund(reference)))
        return refund.provided(orderReference: nil)
    }

    // MARK: signatures

    /// Checks Checkout's answer: it names this order, and its signature is ours over
    /// `order_id|payment_id`. Nothing else in it is trusted; the order is looked up afterwards.
    public func verifyReturn(_ reference: String, fields: [String: String]) throws(PaymentError) {
        guard let orderID = fields["razorpay_order_id"], let paymentID = fields["razorpay_payment_id"],
              let signature = fields["razorpay_signature"]
        else { throw .invalidReturn("Checkout's answer needs razorpay_order_id, razorpay_payment_id and razorpay_signature") }
        guard orderID == reference else { throw .invalidReturn("Checkout's answer is about another order") }
        guard HMACHex.matches(signature, message: Array("\(orderID)|\(paymentID)".utf8), secret: keySecret) else {
            throw .invalidReturn("Checkout's signature does not match")
        }
    }

    public func verifyWebhook(rawBody: [UInt8], headers: [String: String], now: Date) throws(PaymentError) -> ProviderEvent {
        guard let signature = headers[Self.signatureHeader] else { throw .invalidWebhook("no \(Self.signatureHeader) header") }
        guard HMACHex.matches(signature, message: rawBody, secret: webhookSecret) else {
            throw .invalidWebhook("signature does not match the body")
        }
        // Razorpay names each event in a header; the body's own fields say what it is about.
        guard let eventID = headers[Self.eventIDHeader], (1...255).contains(eventID.utf8.count) else {
            throw .invalidWebhook("no \(Self.eventIDHeader) header")
        }
        guard let event = try? JSONDecoder().decode(RazorpayWire.Event.self, from: Data(rawBody)) else {
            throw .invalidWebhook("the body is not a Razorpay event")
        }
        if let refund = event.payload.refund?.entity {
            guard let order = event.payload.payment?.entity.order_id ?? refund.notes?["order_reference"] else {
                throw .invalidWebhook("a refund event without its order")
            }
            return ProviderEvent(id: eventID, type: event.event, object: .refund(reference: refund.id, paymentReference: order))
        }
        guard let order = event.payload.payment?.entity.order_id ?? event.payload.order?.entity.id else {
            throw .invalidWebhook("events about \(event.event) are not used")
        }
        return ProviderEvent(id: eventID, type: event.event, object: .payment(reference: order))
    }

    // MARK: the wire

    /// A saga's idempotency key as a Razorpay receipt (at most 40 characters): a digest, so keys of
    /// any length map to one receipt each.
    static func receipt(_ idempotencyKey: String) -> String {
        "bo_" + HMACHex.hex(Array(SHA256.hash(data: Array(idempotencyKey.utf8)).prefix(16)))
    }

    private func state(of reference: String) async throws(PaymentError) -> RazorpayPaymentState {
        let path = "/v1/orders/\(try Self.pathComponent(reference))"
        let order: RazorpayWire.Order = try decode(await http.get(path, unknown: .unknownPayment(reference)))
        let payments: RazorpayWire.List<RazorpayWire.Payment> = try decode(
            await http.get(path + "/payments", unknown: .unknownPayment(reference)))
        return RazorpayPaymentState(order: order, payments: payments.items)
    }

    private func post(_ path: String, _ body: some Encodable) async throws(PaymentError) -> ByteBuffer {
        guard let json = try? JSONEncoder().encode(body) else { throw .refused("the request could not be encoded") }
        return try await http.post(path, contentType: "application/json", body: String(decoding: json, as: UTF8.self),
                                   unknown: .refused("not found: \(path)"))
    }

    private func decode<Value: Decodable>(_ body: ByteBuffer) throws(PaymentError) -> Value {
        guard let value = try? JSONDecoder().decode(Value.self, from: body) else {
            throw .unavailable("Razorpay answered with something that is not a \(Value.self)")
        }
        return value
    }

    static func pathComponent(_ reference: String) throws(PaymentError) -> String {
        try ProviderHTTP.pathComponent(reference, provider: "Razorpay")
    }
}
