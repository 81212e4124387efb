import Booking
import BoxOfficeApp
import BoxOfficeStorage
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
@testable import Payments
import SeatTestSupport
import Testing

@Suite("The Razorpay adapter against a scripted Razorpay: orders, Checkout's signed answer, manual capture, refunds, webhooks",
       .timeLimit(.minutes(3)))
struct RazorpayTests {
    static func provider(_ razorpay: ScriptedRazorpay, timeout: Duration = .seconds(15)) -> RazorpayProvider {
        var configuration = RazorpayProvider.Configuration(
            baseURL: razorpay.baseURL, keyID: ScriptedRazorpay.keyID, keySecret: ScriptedRazorpay.keySecret,
            webhookSecret: ScriptedRazorpay.webhookSecret)
        configuration.requestTimeout = timeout
        return RazorpayProvider(configuration: configuration)
    }

    @Test func anOrderIsPaidInCheckoutCapturedOnceAndRefundedOncePerKey() async throws {
        try await ScriptedRazorpay.with { razorpay in
            let provider = Self.provider(razorpay)
            let created = try await provider.createPayment(amount: Money(66_534, "INR"), orderID: "order-1", idempotencyKey: "o1:create")
            #expect(created.status == .awaitingMethod && created.amount == Money(66_534, "INR") && created.orderID == "order-1")
            #expect(created.clientSecret == created.reference, "Checkout opens the Razorpay order")
            // A retried create (its answer lost) finds the order the first one made.
            #expect(try await provider.createPayment(amount: Money(66_534, "INR"), orderID: "order-1", idempotencyKey: "o1:create") == created)
            #expect(razorpay.orderCount == 1)

            await #expect(throws: PaymentError.refused("Razorpay payments are made in Checkout: pay with \"checkout\"")) {
                try await provider.confirmPayment(created.reference, paymentMethod: "4242424242424242", idempotencyKey: "o1:confirm")
            }
            #expect(try await provider.confirmPayment(created.reference, paymentMethod: "checkout", idempotencyKey: "o1:confirm").status
                == .awaitingMethod)

            // A failed attempt in Checkout leaves the order open for another; the next one is authorized.
            razorpay.checkout(created.reference, succeeds: false)
            #expect(try await provider.fetchPayment(created.reference).status == .awaitingMethod)
            let answer = razorpay.checkout(created.reference)
            try provider.verifyReturn(created.reference, fields: answer)
            #expect(try await provider.fetchPayment(created.reference).status == .authorized)

            let captured = try await provider.capturePayment(created.reference, idempotencyKey: "o1:capture")
            #expect(captured.status == .captured && captured.amount == Money(66_534, "INR"))
            #expect(try await provider.capturePayment(created.reference, idempotencyKey: "o1:capture").status == .captured)
            #expect(razorpay.captureCalls == 1, "a repeated capture looks first and does not ask again")

            let part = try await provider.refund(created.reference, amount: Money(6_534, "INR"), idempotencyKey: "o1:refund-cancellation")
            #expect(part.status == .succeeded && part.amount == Money(6_534, "INR") && part.paymentReference == created.reference)
            #expect(try await provider.refund(created.reference, amount: Money(6_534, "INR"), idempotencyKey: "o1:refund-cancellation") == part)
            #expect(razorpay.refunds(of: created.reference).count == 1, "a repeated refund finds the first by its receipt")
            #expect(try await provider.fetchRefund(part.reference) == part)
            // Beyond what was captured: Razorpay refuses, and says why.
            await #expect(throws: PaymentError.refused("The total refund amount is greater than the refund payment amount")) {
                try await provider.refund(created.reference, amount: Money(60_001, "INR"), idempotencyKey: "o1:refund-other")
            }
            await #expect(throws: PaymentError.self) { try await provider.cancelPayment(created.reference, idempotencyKey: "o1:void") }
            await #expect(throws: PaymentError.unknownPayment("order_nosuch")) { try await provider.fetchPayment("order_nosuch") }
            await #expect(throws: PaymentError.self) { try await provider.fetchPayment("order_../../v1/payments") }
        }
    }

    /// Checkout's answer is trusted only with our signature over `order_id|payment_id`, and only
    /// for the order it names.
    @Test func checkoutsAnswerIsCheckedAgainstTheKeySecret() async throws {
        try await ScriptedRazorpay.with { razorpay in
            let provider = Self.provider(razorpay)
            let first = try await provider.createPayment(amount: Money(50_000, "INR"), orderID: "a", idempotencyKey: "a")
            let second = try await provider.createPayment(amount: Money(50_000, "INR"), orderID: "b", idempotencyKey: "b")
            let answer = razorpay.checkout(first.reference)
            try provider.verifyReturn(first.reference, fields: answer)
            var forged = answer
            forged["razorpay_signature"] = ScriptedRazorpay.hexHMAC("\(first.reference)|\(answer["razorpay_payment_id"]!)", key: "guessed")
            var swapped = answer
            swapped["razorpay_payment_id"] = "pay_other"
            var missing = answer
            missing["razorpay_signature"] = nil
            for (fields, reason) in [(forged, "does not match"), (swapped, "does not match"), (missing, "needs")] {
                #expect {
                    try provider.verifyReturn(first.reference, fields: fields)
                } throws: { error in
                    guard case PaymentError.invalidReturn(let text) = error else { return false }
                    return text.contains(reason)
                }
            }
            #expect(throws: PaymentError.invalidReturn("Checkout's answer is about another order")) {
                try provider.verifyReturn(second.reference, fields: answer)
            }
        }
    }

    /// A capture whose answer is lost took effect: the retry with the same key finds it captured
    /// and captures nothing more. 5xx and 429 are told apart for the saga and the backoff.
    @Test func aLostCaptureAnswerAndProviderTroubleAreReportedAsTheSagaExpects() async throws {
        try await ScriptedRazorpay.with { razorpay in
            // The lost answer comes long after the hasty caller gave up; everything else is asked
            // patiently, as a loaded machine needs.
            let provider = Self.provider(razorpay, timeout: .seconds(60))
            let hasty = Self.provider(razorpay, timeout: .seconds(2))
            let created = try await provider.createPayment(amount: Money(30_000, "INR"), orderID: "c", idempotencyKey: "c")
            razorpay.checkout(created.reference)
            razorpay.failNext("POST /v1/payments/{id}/capture", with: .answerLost(seconds: 15))
            await #expect(throws: PaymentError.timedOut) { try await hasty.capturePayment(created.reference, idempotencyKey: "c:capture") }
            #expect(try await provider.capturePayment(created.reference, idempotencyKey: "c:capture").status == .captured)
            #expect(razorpay.captureCalls == 1)
            #expect(razorpay.payments(of: created.reference).filter(\.captured).count == 1)

            razorpay.failNext("GET /v1/orders/{id}", with: .status(503))
            await #expect(throws: PaymentError.unavailable("Razorpay answered 503")) { try await provider.fetchPayment(created.reference) }
            razorpay.failNext("GET /v1/orders/{id}", with: .status(429, retryAfter: 7))
            await #expect(throws: PaymentError.rateLimited(retryAfterSeconds: 7)) { try await provider.fetchPayment(created.reference) }

            // A refund Razorpay cannot make is reported failed, for staff to follow up.
            razorpay.refundsEnd("failed")
            let refund = try await provider.refund(created.reference, amount: Money(30_000, "INR"), idempotencyKey: "c:refund")
            #expect(refund.status == .failed(reason: "Razorpay could not refund the payment"))
        }
    }

    /// An authorization that is never captured is given back by Razorpay itself; cancelling one
    /// makes sure nothing was captured, and refuses once something was.
    @Test func cancellingAnUncapturedPaymentCapturesNothing() async throws {
        try await ScriptedRazorpay.with { razorpay in
            let provider = Self.provider(razorpay)
            let created = try await provider.createPayment(amount: Money(30_000, "INR"), orderID: "d", idempotencyKey: "d")
            #expect(try await provider.cancelPayment(created.reference, idempotencyKey: "d:cancel").status == .canceled)
            razorpay.checkout(created.reference)
            #expect(try await provider.cancelPayment(created.reference, idempotencyKey: "d:void").status == .canceled)
            #expect(razorpay.captureCalls == 0)
        }
    }

    @Test func webhooksAreCheckedOverTheRawBodyAndNameTheirOrder() async throws {
        try await ScriptedRazorpay.with { razorpay in
            let provider = Self.provider(razorpay)
            let created = try await provider.createPayment(amount: Money(30_000, "INR"), orderID: "e", idempotencyKey: "e")
            let paymentID = try #require(razorpay.checkout(created.reference)["razorpay_payment_id"])
            let authorized = razorpay.webhook("payment.authorized", payment: paymentID, eventID: "evt_1")
            #expect(try provider.verifyWebhook(rawBody: authorized.body, headers: authorized.headers, now: Date())
                == ProviderEvent(id: "evt_1", type: "payment.authorized", object: .payment(reference: created.reference)))

            _ = try await provider.capturePayment(created.reference, idempotencyKey: "e:capture")
            let refund = try await provider.refund(created.reference, amount: Money(10_000, "INR"), idempotencyKey: "e:refund")
            let processed = razorpay.webhook("refund.processed", payment: paymentID, refund: refund.reference, eventID: "evt_2")
            #expect(try provider.verifyWebhook(rawBody: processed.body, headers: processed.headers, now: Date())
                == ProviderEvent(id: "evt_2", type: "refund.processed",
                                 object: .refund(reference: refund.reference, paymentReference: created.reference)))

            let forged = razorpay.webhook("payment.authorized", payment: paymentID, eventID: "evt_3", secret: "not the secret")
            var tampered = authorized
            tampered.body[tampered.body.count - 2] ^= 1
            var unnamed = authorized
            unnamed.headers["x-razorpay-event-id"] = nil
            var unsigned = authorized
            unsigned.headers["x-razorpay-signature"] = nil
            let cases = [(forged, "does not match"), (tampered, "does not match"), (unnamed, "x-razorpay-event-id"),
                         (unsigned, "x-razorpay-signature")]
            for (webhook, reason) in cases {
                #expect {
                    try provider.verifyWebhook(rawBody: webhook.body, headers: webhook.headers, now: Date())
                } throws: { error in
                    guard case PaymentError.invalidWebhook(let text) = error else { return false }
                    return text.contains(reason)
                }
            }
        }
    }

    /// The box office through Razorpay: the order waits for Checkout; a forged answer changes
    /// nothing; the real one confirms at once; a webhook alone confirms another; cancellations
    /// are refunded, and a refund Razorpay fails is reported to staff.
    @Test func theBoxOfficeBooksThroughRazorpay() async throws {
        try await ScriptedRazorpay.with { razorpay in
            try await Harness.withAppAndSeatd(.sqlite, mode: .live, configure: { configuration in
                configuration.payments = .razorpay(.init(
                    baseURL: razorpay.baseURL, keyID: ScriptedRazorpay.keyID, keySecret: ScriptedRazorpay.keySecret,
                    webhookSecret: ScriptedRazorpay.webhookSecret))
            }) { client, components, _ in
                let steps = BookingSteps(client: client, components: components)
                let (showtime, adminToken) = try await SeatMapTests.scheduleShowtime(client, components)
                let (token, userID) = try await steps.customer("asha@example.com")
                let (otherToken, _) = try await steps.customer("ravi@example.com")

                let order = try await steps.held(showtime, seats: ["B1", "B2"], token: token)
                let started = try await steps.pay(order, card: "checkout", token: token)
                #expect(started.status == .accepted, "\(started.text)")
                struct Started: Decodable {
                    struct Payment: Decodable { var provider: String; var clientSecret: String? }
                    var state: String
                    var payment: Payment
                }
                let waiting = try started.json(Started.self)
                #expect(waiting.state == "paying" && waiting.payment.provider == "razorpay")
                let razorpayOrder = try #require(waiting.payment.clientSecret)
                #expect(try await components.booking.order(id: order.id, owner: nil).paymentReference == razorpayOrder)

                // The customer pays in Checkout; a forged answer is refused and changes nothing.
                let answer = razorpay.checkout(razorpayOrder)
                var forged = answer
                forged["razorpay_signature"] = String(repeating: "0", count: 64)
                let refused = try await client.request(.post, "/api/v1/orders/\(order.id)/payment/return", token: token,
                                                       json: Self.returnBody(forged))
                #expect(refused.status == .unprocessableContent)
                #expect(try refused.problem().code == "invalid_payment_return")
                #expect(try await steps.get(order.id, token: token).state == "paying")
                #expect(razorpay.captureCalls == 0)
                // Someone else's answer for this order is not theirs to send.
                let stranger = try await client.request(.post, "/api/v1/orders/\(order.id)/payment/return", token: otherToken,
                                                        json: Self.returnBody(answer))
                #expect(stranger.status == .notFound)
                let tooMany = try await client.request(
                    .post, "/api/v1/orders/\(order.id)/payment/return", token: token,
                    json: Self.returnBody(Dictionary(uniqueKeysWithValues: (0..<9).map { ("f\($0)", "v") })))
                #expect(tooMany.status == .unprocessableContent)

                let returned = try await client.request(.post, "/api/v1/orders/\(order.id)/payment/return", token: token,
                                                        json: Self.returnBody(answer))
                #expect(returned.status == .ok, "\(returned.text)")
                let confirmed: BookingSteps.Order = try returned.json()
                #expect(confirmed.state == "confirmed" && confirmed.bookingCode != nil)
                #expect(razorpay.payments(of: razorpayOrder).map(\.status) == ["captured"])
                let again = try await client.request(.post, "/api/v1/orders/\(order.id)/payment/return", token: token,
                                                     json: Self.returnBody(answer))
                #expect(try again.status == .conflict && again.problem().code == "no_payment_in_progress")

                // Without the browser: Checkout's webhook alone confirms the order, once.
                let second = try await steps.held(showtime, seats: ["C1"], token: token)
                #expect(try await steps.pay(second, card: "checkout", token: token).status == .accepted)
                let secondReference = try #require(try await components.booking.order(id: second.id, owner: nil).paymentReference)
                let paymentID = try #require(razorpay.checkout(secondReference)["razorpay_payment_id"])
                let webhook = razorpay.webhook("payment.authorized", payment: paymentID, eventID: "evt_second")
                for _ in 0..<2 {
                    let delivered = try await Self.post(webhook, to: client)
                    #expect(delivered.status == .ok || delivered.status == .noContent, "\(delivered.text)")
                }
                let forgedWebhook = razorpay.webhook("payment.authorized", payment: paymentID, eventID: "evt_forged", secret: "guess")
                #expect(try await Self.post(forgedWebhook, to: client).status == .badRequest)
                #expect(try await steps.get(second.id, token: token).state == "confirmed")
                #expect(razorpay.payments(of: secondReference).map(\.status) == ["captured"])
                let inbox = try await components.database.withSession { session in
                    try await session.raw("SELECT event_id FROM webhook_inbox WHERE provider = 'razorpay'").all()
                        .map { try $0.decode(column: "event_id", as: String.self) }
                }
                #expect(inbox == ["evt_second"])
                #expect(try await steps.events(for: userID).filter { $0 == "booking.confirmed" }.count == 2)

                // Cancelled: refunded at Razorpay less the theatre's fee, with the order in the refund's notes.
                let cancelled: BookingSteps.Order = try await client.request(.post, "/api/v1/orders/\(order.id)/cancel", token: token).json()
                #expect(cancelled.state == "cancelled" && cancelled.cancellation?.refundMinor == 45_000)
                let refunds = razorpay.refunds(of: razorpayOrder)
                #expect(refunds.map(\.amount) == [45_000] && refunds.first?.notes["order_reference"] == razorpayOrder)
                #expect(try await components.booking.refunds(orderID: order.id).map(\.status) == ["succeeded"])

                // A refund Razorpay fails is recorded failed and reported to staff, not the customer.
                razorpay.refundsEnd("failed")
                let failing: BookingSteps.Order = try await client.request(.post, "/api/v1/orders/\(second.id)/cancel", token: token).json()
                #expect(failing.state == "cancelled")
                #expect(try await components.booking.refunds(orderID: second.id).map(\.status) == ["failed"])
                let staffTopics = try await components.database.withSession { session in
                    try await session.raw("SELECT topic FROM outbox WHERE recipient_user_id IS NULL").all()
                        .map { try $0.decode(column: "topic", as: String.self) }
                }
                #expect(staffTopics.contains("refund.failed"))
                #expect(!(try await steps.events(for: userID)).contains("refund.failed"))

                // Staff retry it once the cause is dealt with: one more refund, made once however often they ask.
                razorpay.refundsEnd("processed")
                let retryPath = "/api/v1/theatres/pvr-pune/showtimes/\(showtime.id)/orders/\(second.id)/refunds/retry"
                #expect(try await client.request(.post, retryPath, token: token).status == .forbidden)
                let retried = try await client.request(.post, retryPath, token: adminToken)
                #expect(retried.status == .ok, "\(retried.text)")
                struct Refunds: Decodable {
                    struct Refund: Decodable { var amountMinor: Int64; var status: String }
                    var refunds: [Refund]
                }
                #expect(try retried.json(Refunds.self).refunds.map(\.status) == ["failed", "succeeded"])
                let secondRefunds = razorpay.refunds(of: secondReference).sorted { $0.id < $1.id }
                #expect(secondRefunds.map(\.status) == ["failed", "processed"])
                #expect(secondRefunds.count == 2 && secondRefunds[0].amount == secondRefunds[1].amount)
                let nothingLeft = try await client.request(.post, retryPath, token: adminToken)
                #expect(try nothingLeft.status == .conflict && nothingLeft.problem().code == "no_failed_refund")
                #expect(razorpay.refunds(of: secondReference).count == 2)
                #expect(try await steps.events(for: userID).filter { $0 == "refund.completed" }.count == 2)
            }
        }
    }

    static func returnBody(_ fields: [String: String]) throws -> String {
        String(decoding: try JSONEncoder().encode(["fields": fields]), as: UTF8.self)
    }

    static func post(_ webhook: (body: [UInt8], headers: [String: String]), to client: any TestClientProtocol) async throws -> TestResponse {
        var headers = HTTPFields()
        for (name, value) in webhook.headers { headers[HTTPField.Name(name)!] = value }
        return try await client.execute(uri: "/api/v1/payments/webhooks/razorpay", method: .post, headers: headers,
                                        body: ByteBuffer(bytes: webhook.body)) { $0 }
    }
}

@Suite("How a Razorpay order's payment stands, from its attempts", .timeLimit(.minutes(1)))
struct RazorpayPaymentStateTests {
    static let order = RazorpayWire.Order(id: "order_1", amount: 50_000, currency: "INR", status: "attempted", receipt: nil, notes: nil)

    static func payment(_ id: String, _ status: String, captured: Bool = false) -> RazorpayWire.Payment {
        RazorpayWire.Payment(id: id, order_id: "order_1", amount: 50_000, currency: "INR", status: status, captured: captured)
    }

    @Test(arguments: [
        ([String](), ProviderPayment.Status.awaitingMethod),
        (["failed"], .awaitingMethod),
        (["failed", "created"], .processing),
        (["failed", "authorized"], .authorized),
        (["authorized", "captured"], .captured),
        (["refunded"], .canceled),
    ])
    func theBestAttemptDecides(_ statuses: [String], _ expected: ProviderPayment.Status) {
        let payments = statuses.enumerated().map { Self.payment("pay_\($0.offset)", $0.element) }
        #expect(RazorpayPaymentState(order: Self.order, payments: payments).payment.status == expected)
    }

    /// A payment we captured and then refunded still counts as captured: the refund ledger, not
    /// the payment's status, says what was given back.
    @Test func aRefundedCaptureStaysCaptured() {
        let state = RazorpayPaymentState(order: Self.order, payments: [Self.payment("pay_1", "refunded", captured: true)])
        #expect(state.payment.status == .captured && state.captured?.id == "pay_1")
    }
}
