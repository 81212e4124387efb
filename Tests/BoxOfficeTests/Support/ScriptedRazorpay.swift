import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization

/// A scripted stand-in for Razorpay's Orders, Payments and Refunds APIs, served over HTTP on
/// loopback (``ScriptedAPI``). There is no Razorpay test server to run here (unlike localstripe
/// for Stripe), and the cases that matter most are the ones a real provider shows only when it
/// is in trouble. So this fake keeps the state a real account would (orders, payment attempts,
/// captures, refunds, each checked as Razorpay checks them), lets a test play the customer in
/// Checkout, script faults per route, and sign webhooks as Razorpay does.
final class ScriptedRazorpay: ScriptedProvider {
    static let keyID = "rzp_test_scripted"
    static let keySecret = "scripted-key-secret"
    static let webhookSecret = "scripted-webhook-secret"

    struct Payment: Sendable {
        var id: String
        var orderID: String
        var amount: Int64
        var currency: String
        var status: String
        var captured = false
    }

    struct Refund: Sendable {
        var id: String
        var paymentID: String
        var amount: Int64
        var currency: String
        var status: String
        var receipt: String?
        var notes: [String: String]
    }

    struct State: Sendable {
        var orders: [String: (amount: Int64, currency: String, receipt: String, notes: [String: String])] = [:]
        var payments: [String: Payment] = [:]
        var refunds: [String: Refund] = [:]
        /// How refunds made from now on end.
        var refundOutcome = "processed"
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
        router.add(middleware: Authentication())
        Routes(account: account).add(to: router)
    }

    // MARK: the test's controls


    func refundsEnd(_ outcome: String) {
        account.state.withLock { $0.refundOutcome = outcome }
    }

    /// The customer pays `orderID` in Checkout: an attempt that is authorized or fails. Returns
    /// Checkout's answer to their browser (with its signature when authorized).
    @discardableResult
    func checkout(_ orderID: String, succeeds: Bool = true) -> [String: String] {
        account.state.withLock { state in
            guard let order = state.orders[orderID] else { return [:] }
            let id = state.ids.make("pay")
            state.payments[id] = Payment(id: id, orderID: orderID, amount: order.amount, currency: order.currency,
                                         status: succeeds ? "authorized" : "failed")
            guard succeeds else { return [:] }
            return ["razorpay_order_id": orderID, "razorpay_payment_id": id,
                    "razorpay_signature": Self.hexHMAC("\(orderID)|\(id)", key: Self.keySecret)]
        }
    }

    func payments(of orderID: String) -> [Payment] {
        account.state.withLock { $0.payments.values.filter { $0.orderID == orderID } }
    }

    func refunds(of orderID: String) -> [Refund] {
        account.state.withLock { state in
            state.refunds.values.filter { state.payments[$0.paymentID]?.orderID == orderID }
        }
    }

    var orderCount: Int { account.state.withLock { $0.orders.count } }
    var captureCalls: Int { account.state.withLock { $0.captureCalls } }

    /// A webhook as Razorpay would post it about a payment (`payment.authorized`, `payment.captured`)
    /// or, with `refund`, about a refund: its raw body and headers, signed with `secret`.
    func webhook(_ event: String, payment paymentID: String, refund refundID: String? = nil, eventID: String,
                 secret: String = ScriptedRazorpay.webhookSecret) -> (body: [UInt8], headers: [String: String]) {
        let (payment, refund) = account.state.withLock { state in (state.payments[paymentID], refundID.flatMap { state.refunds[$0] }) }
        var payload: [String: Any] = [:]
        if let payment {
            payload["payment"] = ["entity": [
                "id": payment.id, "entity": "payment", "order_id": payment.orderID, "amount": payment.amount,
                "currency": payment.currency, "status": payment.status, "captured": payment.captured,
            ] as [String: Any]]
        }
        if let refund {
            payload["refund"] = ["entity": Self.json(refund)]
        }
        let object: [String: Any] = [
            "entity": "event", "account_id": "acc_scripted", "event": event, "contains": Array(payload.keys),
            "payload": payload, "created_at": Int(Date().timeIntervalSince1970),
        ]
        let body = Array(try! JSONSerialization.data(withJSONObject: object))
        return (body, ["x-razorpay-signature": Self.hexHMAC(body, key: secret), "x-razorpay-event-id": eventID,
                       "content-type": "application/json"])
    }

    static func hexHMAC(_ message: String, key: String) -> String { hexHMAC(Array(message.utf8), key: key) }

    static func hexHMAC(_ message: [UInt8], key: String) -> String {
        HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(key.utf8)))
            .map { String(format: "%02x", $0) }.joined()
    }

    static func json(_ payment: Payment) -> [String: Any] {
        ["id": payment.id, "entity": "payment", "order_id": payment.orderID, "amount": payment.amount,
         "currency": payment.currency, "status": payment.status, "captured": payment.captured]
    }

    static func json(_ refund: Refund) -> [String: Any] {
        ["id": refund.id, "entity": "refund", "payment_id": refund.paymentID, "amount": refund.amount,
         "currency": refund.currency, "status": refund.status, "receipt": refund.receipt ?? NSNull(),
         // Razorpay sends notes without entries as an empty array.
         "notes": refund.notes.isEmpty ? [Any]() as Any : refund.notes as Any]
    }

    /// Answers only calls with the account's key id and secret, as Razorpay does.
    struct Authentication: RouterMiddleware {
        typealias Context = BasicRequestContext
        func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
            let expected = "Basic " + Data("\(ScriptedRazorpay.keyID):\(ScriptedRazorpay.keySecret)".utf8).base64EncodedString()
            guard request.headers[.authorization] == expected else {
                return Routes.error(401, "BAD_REQUEST_ERROR", "The api key provided is invalid")
            }
            return try await next(request, context)
        }
    }
}

extension ScriptedRazorpay {
    /// The API's routes, each checking what Razorpay checks.
    struct Routes: Sendable {
        let account: Account

        func add(to router: Router<BasicRequestContext>) {
            router.post("/v1/orders") { request, context in try await self.serve("POST /v1/orders", request) { try await self.createOrder($0) } }
            router.get("/v1/orders") { request, _ in
                await self.serve("GET /v1/orders", request) { request in
                    let receipt = request.uri.queryParameters.get("receipt")
                    let items = self.account.state.withLock { state in
                        state.orders.filter { receipt == nil || $0.value.receipt == receipt }.map { Self.orderJSON($0.key, $0.value, state) }
                    }
                    return Self.ok(["entity": "collection", "count": items.count, "items": items])
                }
            }
            router.get("/v1/orders/{id}") { request, context in
                let id = try context.parameters.require("id")
                return await self.serve("GET /v1/orders/{id}", request) { _ in
                    self.account.state.withLock { state in
                        state.orders[id].map { Self.ok(Self.orderJSON(id, $0, state)) } ?? Self.notFound()
                    }
                }
            }
            router.get("/v1/orders/{id}/payments") { request, context in
                let id = try context.parameters.require("id")
                return await self.serve("GET /v1/orders/{id}/payments", request) { _ in
                    self.account.state.withLock { state in
                        guard state.orders[id] != nil else { return Self.notFound() }
                        let items = state.payments.values.filter { $0.orderID == id }.sorted { $0.id < $1.id }.map(ScriptedRazorpay.json)
                        return Self.ok(["entity": "collection", "count": items.count, "items": items])
                    }
                }
            }
            router.post("/v1/payments/{id}/capture") { request, context in
                let id = try context.parameters.require("id")
                return try await self.serve("POST /v1/payments/{id}/capture", request) { try await self.capture(id, $0) }
            }
            router.get("/v1/payments/{id}/refunds") { request, context in
                let id = try context.parameters.require("id")
                return await self.serve("GET /v1/payments/{id}/refunds", request) { _ in
                    self.account.state.withLock { state in
                        guard state.payments[id] != nil else { return Self.notFound() }
                        let items = state.refunds.values.filter { $0.paymentID == id }.sorted { $0.id < $1.id }.map(ScriptedRazorpay.json)
                        return Self.ok(["entity": "collection", "count": items.count, "items": items])
                    }
                }
            }
            router.post("/v1/payments/{id}/refund") { request, context in
                let id = try context.parameters.require("id")
                return try await self.serve("POST /v1/payments/{id}/refund", request) { try await self.refund(id, $0) }
            }
            router.get("/v1/refunds/{id}") { request, context in
                let id = try context.parameters.require("id")
                return await self.serve("GET /v1/refunds/{id}", request) { _ in
                    self.account.state.withLock { state in state.refunds[id].map { Self.ok(ScriptedRazorpay.json($0)) } ?? Self.notFound() }
                }
            }
        }

        /// Runs the route's work under its scripted fault, if one is queued.
        private func serve(_ route: String, _ request: Request, _ work: (Request) async throws -> Response) async rethrows -> Response {
            try await account.faults.serve(route, refusal: { code in
                Self.error(code, code == 429 ? "TOO_MANY_REQUESTS" : "SERVER_ERROR", "scripted failure")
            }) { try await work(request) }
        }

        private func body(_ request: Request) async throws -> [String: Any] {
            let bytes = try await request.body.collect(upTo: 64 * 1024)
            return (try? JSONSerialization.jsonObject(with: Data(buffer: bytes))) as? [String: Any] ?? [:]
        }

        private func createOrder(_ request: Request) async throws -> Response {
            let body = try await body(request)
            guard let amount = (body["amount"] as? NSNumber)?.int64Value, amount >= 100, let currency = body["currency"] as? String,
                  let receipt = body["receipt"] as? String, receipt.count <= 40
            else { return Self.error(400, "BAD_REQUEST_ERROR", "amount, currency and a receipt of at most 40 characters are required") }
            let notes = body["notes"] as? [String: String] ?? [:]
            return account.state.withLock { state in
                let id = state.ids.make("order")
                state.orders[id] = (amount, currency, receipt, notes)
                return Self.ok(Self.orderJSON(id, state.orders[id]!, state))
            }
        }

        private func capture(_ id: String, _ request: Request) async throws -> Response {
            let body = try await body(request)
            return account.state.withLock { state in
                state.captureCalls += 1
                guard var payment = state.payments[id] else { return Self.notFound() }
                guard payment.status == "authorized" else {
                    return Self.error(400, "BAD_REQUEST_ERROR", payment.captured ? "This payment has already been captured"
                        : "Only payments which have been authorized and not yet captured can be captured")
                }
                guard (body["amount"] as? NSNumber)?.int64Value == payment.amount, body["currency"] as? String == payment.currency else {
                    return Self.error(400, "BAD_REQUEST_ERROR", "Capture amount must be equal to the amount authorized")
                }
                payment.status = "captured"
                payment.captured = true
                state.payments[id] = payment
                return Self.ok(ScriptedRazorpay.json(payment))
            }
        }

        private func refund(_ id: String, _ request: Request) async throws -> Response {
            let body = try await body(request)
            return account.state.withLock { state in
                guard let payment = state.payments[id] else { return Self.notFound() }
                guard payment.captured else { return Self.error(400, "BAD_REQUEST_ERROR", "Only captured payments can be refunded") }
                let refunded = state.refunds.values.filter { $0.paymentID == id && $0.status != "failed" }.reduce(0) { $0 + $1.amount }
                let amount = (body["amount"] as? NSNumber)?.int64Value ?? payment.amount - refunded
                guard amount > 0, refunded + amount <= payment.amount else {
                    return Self.error(400, "BAD_REQUEST_ERROR", "The total refund amount is greater than the refund payment amount")
                }
                let refundID = state.ids.make("rfnd")
                let refund = Refund(id: refundID, paymentID: id, amount: amount, currency: payment.currency, status: state.refundOutcome,
                                    receipt: body["receipt"] as? String, notes: body["notes"] as? [String: String] ?? [:])
                state.refunds[refundID] = refund
                return Self.ok(ScriptedRazorpay.json(refund))
            }
        }

        static func orderJSON(_ id: String, _ order: (amount: Int64, currency: String, receipt: String, notes: [String: String]),
                              _ state: State) -> [String: Any] {
            let payments = state.payments.values.filter { $0.orderID == id }
            let status = payments.contains { $0.captured } ? "paid" : payments.isEmpty ? "created" : "attempted"
            return ["id": id, "entity": "order", "amount": order.amount, "currency": order.currency, "receipt": order.receipt,
                    "status": status, "notes": order.notes.isEmpty ? [Any]() as Any : order.notes as Any]
        }

        static func ok(_ object: [String: Any]) -> Response {
            ScriptedAPI.json(200, object)
        }

        static func notFound() -> Response {
            error(404, "BAD_REQUEST_ERROR", "The id provided does not exist")
        }

        static func error(_ status: Int, _ code: String, _ description: String) -> Response {
            ScriptedAPI.json(status, ["error": ["code": code, "description": description]])
        }
    }
}
