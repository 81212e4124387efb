import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Payments
import Synchronization

/// A scripted stand-in for the part of Stripe's API the adapter calls (PaymentIntents with
/// manual capture, refunds), for what localstripe does not do: it keeps `Idempotency-Key`s as
/// Stripe does (a repeat with the same parameters gets the first answer again, with other
/// parameters an `idempotency_error`), loses answers and fails calls as scripted per route
/// (``ScriptedAPI``), fails refunds, and signs webhooks a test delivers when and as often as it
/// likes (twice, out of order, late, stale).
///
/// Payment methods are Stripe's test ones: `pm_card_visa` is authorized,
/// `pm_card_chargeDeclined` declined, `pm_card_threeDSecure2Required` needs the customer's
/// bank (``authenticate(_:)``).
final class ScriptedStripe: ScriptedProvider {
    static let secretKey = "sk_test_scripted"
    static let webhookSecret = "whsec_scripted"

    struct Intent: Sendable {
        var id: String
        var amount: Int64
        var currency: String
        var status: String
        var orderID: String
        var paymentMethod: String?
        var declineCode: String?
    }

    struct Refund: Sendable {
        var id: String
        var intentID: String
        var amount: Int64
        var currency: String
        var status: String
    }

    struct State: Sendable {
        var intents: [String: Intent] = [:]
        var refunds: [String: Refund] = [:]
        /// Answers kept per idempotency key: the request they answered, and the answer.
        var answered: [String: (request: String, status: Int, body: Data)] = [:]
        /// How refunds made from now on end: `succeeded`, `pending`, or `failed`.
        var refundOutcome = "succeeded"
        var captureCalls = 0
        var ids = ScriptedAPI.IDs()
    }

    typealias Account = ScriptedAPI.Account<State>

    let account: Account
    let baseURL: String

    init(account: Account, baseURL: String) {
        self.account = account
        self.baseURL = baseURL
    }

    static var freshState: State { State() }

    static func addRoutes(for account: Account, to router: Router<BasicRequestContext>) {
        Routes(account: account).add(to: router)
    }

    // MARK: the test's controls


    func refundsEnd(_ outcome: String) {
        account.state.withLock { $0.refundOutcome = outcome }
    }

    /// The customer's bank approves a payment waiting for 3-D Secure.
    func authenticate(_ intentID: String) {
        account.state.withLock { state in
            guard state.intents[intentID]?.status == "requires_action" else { return }
            state.intents[intentID]?.status = "requires_capture"
        }
    }

    var intents: [Intent] { account.state.withLock { Array($0.intents.values) } }
    var refunds: [Refund] { account.state.withLock { Array($0.refunds.values) } }
    var captureCalls: Int { account.state.withLock { $0.captureCalls } }

    /// An event about an intent as Stripe would post it, signed `seconds` ago with `secret`.
    func webhook(_ type: String, intent intentID: String, eventID: String, signedSecondsAgo seconds: Double = 0,
                 secret: String = ScriptedStripe.webhookSecret) -> (body: [UInt8], headers: [String: String]) {
        let object = account.state.withLock { state in state.intents[intentID].map(Self.json) } ?? [:]
        let event: [String: Any] = ["id": eventID, "object": "event", "type": type, "data": ["object": object]]
        let body = Array(try! JSONSerialization.data(withJSONObject: event))
        let signature = TimestampedSignature(secret: secret).header(for: body, at: Date().addingTimeInterval(-seconds))
        return (body, ["stripe-signature": signature, "content-type": "application/json"])
    }

    static func json(_ intent: Intent) -> [String: Any] {
        var object: [String: Any] = [
            "id": intent.id, "object": "payment_intent", "amount": intent.amount, "currency": intent.currency,
            "status": intent.status, "capture_method": "manual", "metadata": ["order_id": intent.orderID],
            "client_secret": "\(intent.id)_secret_scripted",
        ]
        if let declineCode = intent.declineCode {
            object["last_payment_error"] = ["code": "card_declined", "decline_code": declineCode, "message": "Your card was declined."]
        }
        return object
    }

    static func json(_ refund: Refund) -> [String: Any] {
        var object: [String: Any] = [
            "id": refund.id, "object": "refund", "payment_intent": refund.intentID, "amount": refund.amount,
            "currency": refund.currency, "status": refund.status,
        ]
        if refund.status == "failed" { object["failure_reason"] = "expired_or_canceled_card" }
        return object
    }
}

extension ScriptedStripe {
    /// The API's routes, each checking what Stripe checks.
    struct Routes: Sendable {
        let account: Account

        func add(to router: Router<BasicRequestContext>) {
            router.post("/v1/payment_intents") { request, _ in
                try await self.serve("POST /v1/payment_intents", request) { form, state in
                    guard let amount = Int64(form["amount"] ?? ""), amount > 0, let currency = form["currency"],
                          form["capture_method"] == "manual"
                    else { return Self.invalid("amount, currency and capture_method=manual are required") }
                    let intent = Intent(id: state.ids.make("pi"), amount: amount, currency: currency, status: "requires_payment_method",
                                        orderID: form["metadata[order_id]"] ?? "")
                    state.intents[intent.id] = intent
                    return (200, ScriptedStripe.json(intent))
                }
            }
            router.get("/v1/payment_intents/{id}") { request, context in
                let id = try context.parameters.require("id")
                return try await self.serve("GET /v1/payment_intents/{id}", request) { _, state in
                    state.intents[id].map { (200, ScriptedStripe.json($0)) } ?? Self.missing(id)
                }
            }
            router.post("/v1/payment_intents/{id}") { request, context in
                let id = try context.parameters.require("id")
                return try await self.serve("POST /v1/payment_intents/{id}", request) { form, state in
                    guard var intent = state.intents[id] else { return Self.missing(id) }
                    guard let method = form["payment_method"], method.hasPrefix("pm_") else { return Self.invalid("payment_method is required") }
                    intent.paymentMethod = method
                    intent.status = "requires_confirmation"
                    state.intents[id] = intent
                    return (200, ScriptedStripe.json(intent))
                }
            }
            router.post("/v1/payment_intents/{id}/confirm") { request, context in
                let id = try context.parameters.require("id")
                return try await self.serve("POST /v1/payment_intents/{id}/confirm", request) { _, state in
                    guard var intent = state.intents[id] else { return Self.missing(id) }
                    guard intent.status == "requires_confirmation" else { return Self.unexpectedState(intent) }
                    switch intent.paymentMethod {
                    case "pm_card_visa": intent.status = "requires_capture"
                    case "pm_card_threeDSecure2Required": intent.status = "requires_action"
                    default:
                        intent.status = "requires_payment_method"
                        intent.declineCode = "generic_decline"
                        state.intents[id] = intent
                        return (402, ["error": ["type": "card_error", "code": "card_declined", "decline_code": "generic_decline",
                                                "message": "Your card was declined."]])
                    }
                    state.intents[id] = intent
                    return (200, ScriptedStripe.json(intent))
                }
            }
            router.post("/v1/payment_intents/{id}/capture") { request, context in
                let id = try context.parameters.require("id")
                return try await self.serve("POST /v1/payment_intents/{id}/capture", request) { _, state in
                    state.captureCalls += 1
                    guard var intent = state.intents[id] else { return Self.missing(id) }
                    guard intent.status == "requires_capture" else { return Self.unexpectedState(intent) }
                    intent.status = "succeeded"
                    state.intents[id] = intent
                    return (200, ScriptedStripe.json(intent))
                }
            }
            router.post("/v1/payment_intents/{id}/cancel") { request, context in
                let id = try context.parameters.require("id")
                return try await self.serve("POST /v1/payment_intents/{id}/cancel", request) { _, state in
                    guard var intent = state.intents[id] else { return Self.missing(id) }
                    guard intent.status != "succeeded", intent.status != "canceled" else { return Self.unexpectedState(intent) }
                    intent.status = "canceled"
                    state.intents[id] = intent
                    return (200, ScriptedStripe.json(intent))
                }
            }
            router.post("/v1/refunds") { request, _ in
                try await self.serve("POST /v1/refunds", request) { form, state in
                    guard let intentID = form["payment_intent"], let intent = state.intents[intentID] else {
                        return Self.missing(form["payment_intent"] ?? "")
                    }
                    guard intent.status == "succeeded" else { return Self.invalid("This PaymentIntent has not been captured") }
                    let refunded = state.refunds.values.filter { $0.intentID == intentID && $0.status != "failed" }.reduce(0) { $0 + $1.amount }
                    let amount = Int64(form["amount"] ?? "") ?? intent.amount - refunded
                    guard amount > 0, refunded + amount <= intent.amount else {
                        return Self.invalid("Refund amount is greater than unrefunded amount on charge")
                    }
                    let refund = Refund(id: state.ids.make("re"), intentID: intentID, amount: amount, currency: intent.currency,
                                        status: state.refundOutcome)
                    state.refunds[refund.id] = refund
                    return (200, ScriptedStripe.json(refund))
                }
            }
            router.get("/v1/refunds/{id}") { request, context in
                let id = try context.parameters.require("id")
                return try await self.serve("GET /v1/refunds/{id}", request) { _, state in
                    state.refunds[id].map { (200, ScriptedStripe.json($0)) } ?? Self.missing(id)
                }
            }
        }

        /// Checks the secret key, runs the route's work under its scripted fault, and keeps (and
        /// replays) the answer of a POST under its `Idempotency-Key`, as Stripe does.
        private func serve(
            _ route: String, _ request: Request, _ work: @escaping @Sendable ([String: String], inout State) -> (Int, [String: Any])
        ) async throws -> Response {
            guard request.headers[.authorization] == "Bearer \(ScriptedStripe.secretKey)" else {
                return ScriptedAPI.json(401, ["error": ["type": "invalid_request_error", "message": "Invalid API Key provided"]])
            }
            let text = String(buffer: try await request.body.collect(upTo: 64 * 1024))
            let form = Self.form(text)
            let key = request.method == .post ? request.headers[HTTPField.Name("Idempotency-Key")!] : nil
            let signature = "\(route) \(request.uri.path) \(text)"
            return await account.faults.serve(route, refusal: { code in
                ScriptedAPI.json(code, ["error": ["type": code == 429 ? "rate_limit_error" : "api_error", "message": "scripted failure"]])
            }) {
                let (status, body, replayed) = account.state.withLock { state -> (Int, Data, Bool) in
                    if let key, let earlier = state.answered[key] {
                        guard earlier.request == signature else {
                            return (400, Self.data(["error": ["type": "idempotency_error", "message":
                                "Keys for idempotent requests can only be used with the same parameters they were first used with."]]), false)
                        }
                        return (earlier.status, earlier.body, true)
                    }
                    let (status, object) = work(form, &state)
                    let body = Self.data(object)
                    if let key { state.answered[key] = (signature, status, body) }
                    return (status, body, false)
                }
                var response = Response(status: .init(code: status), headers: [.contentType: "application/json"],
                                        body: .init(byteBuffer: ByteBuffer(bytes: body)))
                if replayed { response.headers[HTTPField.Name("Idempotent-Replayed")!] = "true" }
                return response
            }
        }

        static func data(_ object: [String: Any]) -> Data {
            (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        }

        static func form(_ text: String) -> [String: String] {
            var fields: [String: String] = [:]
            for pair in text.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
                if parts.count == 2 { fields[parts[0]] = parts[1] }
            }
            return fields
        }

        static func invalid(_ message: String) -> (Int, [String: Any]) {
            (400, ["error": ["type": "invalid_request_error", "message": message]])
        }

        static func missing(_ id: String) -> (Int, [String: Any]) {
            (404, ["error": ["type": "invalid_request_error", "code": "resource_missing", "message": "No such object: '\(id)'"]])
        }

        static func unexpectedState(_ intent: Intent) -> (Int, [String: Any]) {
            (400, ["error": ["type": "invalid_request_error", "code": "payment_intent_unexpected_state",
                             "message": "This PaymentIntent's status is \(intent.status)."]])
        }
    }
}
