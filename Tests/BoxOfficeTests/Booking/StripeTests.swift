import Booking
import BoxOfficeApp
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Payments
import SeatTestSupport
import Testing

@Suite("The Stripe adapter against localstripe: manual capture, declines, 3-D Secure, refunds, signed webhooks",
       .timeLimit(.minutes(3)))
struct StripeTests {
    static let webhookSecret = "whsec_test_local"

    static func provider(_ stripe: LocalStripe) -> StripeProvider {
        StripeProvider(configuration: .init(baseURL: stripe.baseURL, secretKey: "sk_test_local", webhookSecret: webhookSecret))
    }

    @Test func aPaymentIsAuthorizedCapturedAndRefundedInParts() async throws {
        try await LocalStripe.with { stripe in
            let provider = Self.provider(stripe)
            let created = try await provider.createPayment(amount: Money(66_534, "INR"), orderID: "order-1", idempotencyKey: "k1")
            #expect(created.status == .awaitingMethod && created.amount == Money(66_534, "INR") && created.orderID == "order-1")
            #expect(created.clientSecret?.hasPrefix(created.reference) == true)
            let method = try await stripe.paymentMethod(card: "4242424242424242")
            let authorized = try await provider.confirmPayment(created.reference, paymentMethod: method, idempotencyKey: "k2")
            #expect(authorized.status == .authorized)
            let captured = try await provider.capturePayment(created.reference, idempotencyKey: "k3")
            #expect(captured.status == .captured)
            // Capturing again (a retried step) answers with the captured payment.
            #expect(try await provider.capturePayment(created.reference, idempotencyKey: "k3").status == .captured)
            let part = try await provider.refund(created.reference, amount: Money(6_534, "INR"), idempotencyKey: "k4")
            #expect(part.status == .succeeded && part.amount == Money(6_534, "INR") && part.paymentReference == created.reference)
            #expect(try await provider.fetchRefund(part.reference).status == .succeeded)
            await #expect(throws: PaymentError.self) {
                try await provider.cancelPayment(created.reference, idempotencyKey: "k5")
            }
            await #expect(throws: PaymentError.unknownPayment("pi_nosuch")) { try await provider.fetchPayment("pi_nosuch") }
            await #expect(throws: PaymentError.self) { try await provider.fetchPayment("pi_../../v1/charges") }
        }
    }

    @Test func aDeclineAnd3DSecureAreReportedAsTheSagaExpects() async throws {
        try await LocalStripe.with { stripe in
            let provider = Self.provider(stripe)
            let declined = try await provider.createPayment(amount: Money(1_000, "EUR"), orderID: "o", idempotencyKey: "d1")
            let failing = try await stripe.paymentMethod(card: "4000000000000341")
            let outcome = try await provider.confirmPayment(declined.reference, paymentMethod: failing, idempotencyKey: "d2")
            guard case .failed(let reason) = outcome.status else { Issue.record("\(outcome.status)"); return }
            #expect(reason == "card_declined")

            let secured = try await provider.createPayment(amount: Money(1_000, "EUR"), orderID: "o", idempotencyKey: "s1")
            let threeDS = try await stripe.paymentMethod(card: "4000002500003155")
            let pending = try await provider.confirmPayment(secured.reference, paymentMethod: threeDS, idempotencyKey: "s2")
            #expect(pending.status == .requiresAction)
            try await stripe.authenticate(secured.reference, clientSecret: try #require(secured.clientSecret), success: true)
            #expect(try await provider.fetchPayment(secured.reference).status == .authorized)
            let voided = try await provider.cancelPayment(secured.reference, idempotencyKey: "s3")
            #expect(voided.status == .canceled)
            #expect(try await provider.cancelPayment(secured.reference, idempotencyKey: "s3").status == .canceled)
            await #expect(throws: PaymentError.refused("Stripe takes a payment method id (pm_…) made by Stripe.js")) {
                try await provider.confirmPayment(secured.reference, paymentMethod: "4242424242424242", idempotencyKey: "s4")
            }
        }
    }

    @Test func theBoxOfficeBooksThroughStripeAndTakesItsSignedWebhooks() async throws {
        try await LocalStripe.with { stripe in
            try await Harness.withAppAndSeatd(.sqlite, mode: .live, configure: { configuration in
                configuration.payments = .stripe(.init(baseURL: stripe.baseURL, secretKey: "sk_test_local", webhookSecret: Self.webhookSecret))
                configuration.booking.reconcileAfter = .zero
                configuration.booking.reconcileInterval = .milliseconds(200)
            }) { client, components, _ in
                let port = try #require(client.port)
                try await stripe.sendWebhooks(to: "http://127.0.0.1:\(port)/api/v1/payments/webhooks/stripe", secret: Self.webhookSecret)
                let steps = BookingSteps(client: client, components: components)
                let showtime = try await steps.showtime()
                let (token, userID) = try await steps.customer("asha@example.com")

                // A plain card: confirmed in the request, captured at Stripe.
                let order = try await steps.held(showtime, seats: ["B1", "B2"], token: token)
                let paid = try await steps.pay(order, card: try await stripe.paymentMethod(card: "4242424242424242"), token: token)
                #expect(paid.status == .ok, "\(paid.text)")
                let confirmed = try await components.booking.order(id: order.id, owner: nil)
                #expect(confirmed.state == .confirmed)
                let stripeProvider = Self.provider(stripe)
                #expect(try await stripeProvider.fetchPayment(try #require(confirmed.paymentReference)).status == .captured)

                // 3-D Secure: the order waits with Stripe's client secret; the bank approves. Real Stripe
                // then sends payment_intent.amount_capturable_updated; localstripe sends nothing until
                // the capture, so here the reconciler's look completes the booking, as it does when a
                // webhook is lost.
                let secured = try await steps.held(showtime, seats: ["C1"], token: token)
                let pending = try await steps.pay(secured, card: try await stripe.paymentMethod(card: "4000002500003155"), token: token)
                #expect(pending.status == .accepted, "\(pending.text)")
                struct Pending: Decodable {
                    struct Payment: Decodable { var clientSecret: String? }
                    var payment: Payment
                }
                let clientSecret = try #require(try pending.json(Pending.self).payment.clientSecret)
                let reference = try #require(try await components.booking.order(id: secured.id, owner: nil).paymentReference)
                try await stripe.authenticate(reference, clientSecret: clientSecret, success: true)
                let done = try await steps.order(secured.id, token: token) { $0.state == "confirmed" }
                #expect(done.bookingCode != nil)
                #expect(try await stripeProvider.fetchPayment(reference).status == .captured)
                #expect(try await steps.events(for: userID).filter { $0 == "booking.confirmed" }.count == 2)

                // Each capture made localstripe post payment_intent.succeeded, signed with the endpoint's
                // secret a second later: both were verified and taken into the inbox, once each.
                var taken: [String] = []
                for _ in 0..<100 {
                    taken = try await components.database.withSession { session in
                        try await session.raw("SELECT event_type FROM webhook_inbox WHERE provider = 'stripe'").all()
                            .map { try $0.decode(column: "event_type", as: String.self) }
                    }
                    if taken.count >= 2 { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(taken == ["payment_intent.succeeded", "payment_intent.succeeded"])

                // Cancelled: refunded at Stripe, less the theatre's fee.
                let cancelled: BookingSteps.Order = try await client.request(.post, "/api/v1/orders/\(order.id)/cancel", token: token).json()
                #expect(cancelled.state == "cancelled" && cancelled.cancellation?.refundMinor == 45_000)
                #expect(try await components.booking.refunds(orderID: order.id).map(\.status) == ["succeeded"])
            }
        }
    }
}

@Suite("The Stripe adapter against a scripted Stripe: idempotency keys, lost answers, failed refunds, webhooks twice and out of order",
       .timeLimit(.minutes(3)))
struct ScriptedStripeTests {
    static func provider(_ stripe: ScriptedStripe, timeout: Duration = .seconds(60)) -> StripeProvider {
        var configuration = StripeProvider.Configuration(baseURL: stripe.baseURL, secretKey: ScriptedStripe.secretKey,
                                                         webhookSecret: ScriptedStripe.webhookSecret)
        configuration.requestTimeout = timeout
        return StripeProvider(configuration: configuration)
    }

    /// A create whose answer was lost is asked again with its key and gets the first answer: one
    /// intent. The same key with other parameters is refused, as Stripe refuses it.
    @Test func aLostCreateAnswerIsReplayedByItsKeyAndAKeyIsNotReusedForOtherParameters() async throws {
        try await ScriptedStripe.with { stripe in
            let patient = Self.provider(stripe), hasty = Self.provider(stripe, timeout: .seconds(2))
            stripe.failNext("POST /v1/payment_intents", with: .answerLost(seconds: 15))
            await #expect(throws: PaymentError.timedOut) {
                try await hasty.createPayment(amount: Money(50_000, "INR"), orderID: "o1", idempotencyKey: "o1:create")
            }
            let created = try await patient.createPayment(amount: Money(50_000, "INR"), orderID: "o1", idempotencyKey: "o1:create")
            #expect(stripe.intents.map(\.id) == [created.reference], "the repeat made no second intent")
            await #expect(throws: PaymentError.refused(
                "Keys for idempotent requests can only be used with the same parameters they were first used with.")) {
                try await patient.createPayment(amount: Money(60_000, "INR"), orderID: "o1", idempotencyKey: "o1:create")
            }
            #expect(stripe.intents.count == 1)
        }
    }

    /// Lost answers on capture and refund charge nobody twice; a decline and a refund Stripe fails
    /// are reported as the saga expects.
    @Test func lostCaptureAndRefundAnswersMoveMoneyOnceAndFailuresAreReported() async throws {
        try await ScriptedStripe.with { stripe in
            let patient = Self.provider(stripe), hasty = Self.provider(stripe, timeout: .seconds(2))
            let created = try await patient.createPayment(amount: Money(50_000, "INR"), orderID: "o2", idempotencyKey: "o2:create")
            #expect(try await patient.confirmPayment(created.reference, paymentMethod: "pm_card_visa", idempotencyKey: "o2:confirm")
                .status == .authorized)
            stripe.failNext("POST /v1/payment_intents/{id}/capture", with: .answerLost(seconds: 15))
            await #expect(throws: PaymentError.timedOut) { try await hasty.capturePayment(created.reference, idempotencyKey: "o2:capture") }
            #expect(try await patient.capturePayment(created.reference, idempotencyKey: "o2:capture").status == .captured)
            #expect(stripe.captureCalls == 1, "the repeat found the capture done")

            stripe.failNext("POST /v1/refunds", with: .answerLost(seconds: 15))
            await #expect(throws: PaymentError.timedOut) {
                try await hasty.refund(created.reference, amount: Money(20_000, "INR"), idempotencyKey: "o2:refund")
            }
            let refund = try await patient.refund(created.reference, amount: Money(20_000, "INR"), idempotencyKey: "o2:refund")
            #expect(refund.status == .succeeded && stripe.refunds.count == 1, "the key's first refund, answered again")

            stripe.refundsEnd("failed")
            let failed = try await patient.refund(created.reference, amount: Money(10_000, "INR"), idempotencyKey: "o2:refund-2")
            #expect(failed.status == .failed(reason: "expired_or_canceled_card"))
            #expect(try await patient.fetchRefund(failed.reference).status == .failed(reason: "expired_or_canceled_card"))

            let declined = try await patient.createPayment(amount: Money(50_000, "INR"), orderID: "o3", idempotencyKey: "o3:create")
            let outcome = try await patient.confirmPayment(declined.reference, paymentMethod: "pm_card_chargeDeclined", idempotencyKey: "o3:confirm")
            #expect(outcome.status == .failed(reason: "generic_decline"))

            stripe.failNext("GET /v1/payment_intents/{id}", with: .status(429, retryAfter: 3))
            await #expect(throws: PaymentError.rateLimited(retryAfterSeconds: 3)) { try await patient.fetchPayment(created.reference) }
            stripe.failNext("GET /v1/payment_intents/{id}", with: .status(502))
            await #expect(throws: PaymentError.unavailable("Stripe answered 502")) { try await patient.fetchPayment(created.reference) }
        }
    }

    /// Through the box office: webhooks that come twice, out of order, before the customer's
    /// browser returns from 3-D Secure, or stale, are each taken once or refused, and every order
    /// ends with one capture.
    @Test func theBoxOfficeTakesWebhooksTwiceOutOfOrderAndBeforeTheBrowser() async throws {
        try await ScriptedStripe.with { stripe in
            try await Harness.withAppAndSeatd(.sqlite, mode: .live, configure: { configuration in
                configuration.payments = .stripe(.init(baseURL: stripe.baseURL, secretKey: ScriptedStripe.secretKey,
                                                       webhookSecret: ScriptedStripe.webhookSecret))
            }) { client, components, _ in
                let steps = BookingSteps(client: client, components: components)
                let showtime = try await steps.showtime()
                let (token, _) = try await steps.customer("asha@example.com")

                let paid = try await steps.held(showtime, seats: ["B1"], token: token)
                #expect(try await steps.pay(paid, card: "pm_card_visa", token: token).status == .ok)
                let paidIntent = try #require(try await components.booking.order(id: paid.id, owner: nil).paymentReference)
                // Stripe's two events, the later one first, each delivered twice.
                let succeeded = stripe.webhook("payment_intent.succeeded", intent: paidIntent, eventID: "evt_2")
                let capturable = stripe.webhook("payment_intent.amount_capturable_updated", intent: paidIntent, eventID: "evt_1")
                for webhook in [succeeded, capturable, succeeded, capturable] {
                    #expect(try await Self.post(webhook, to: client).status == .ok)
                }

                // 3-D Secure: the bank approves, and the webhook completes the order before the browser is back.
                let secured = try await steps.held(showtime, seats: ["C1"], token: token)
                #expect(try await steps.pay(secured, card: "pm_card_threeDSecure2Required", token: token).status == .accepted)
                let securedIntent = try #require(try await components.booking.order(id: secured.id, owner: nil).paymentReference)
                stripe.authenticate(securedIntent)
                let approved = stripe.webhook("payment_intent.amount_capturable_updated", intent: securedIntent, eventID: "evt_3")
                #expect(try await Self.post(approved, to: client).status == .ok)
                #expect(try await steps.get(secured.id, token: token).state == "confirmed")
                // The browser comes back afterwards: nothing more to do.
                let returned = try await client.request(.post, "/api/v1/orders/\(secured.id)/payment/return", token: token,
                                                        json: #"{"fields":{}}"#)
                #expect(try returned.status == .conflict && returned.problem().code == "no_payment_in_progress")

                // A stale signature (ten minutes old) and another secret's are refused, and taken nowhere.
                let stale = stripe.webhook("payment_intent.succeeded", intent: securedIntent, eventID: "evt_4", signedSecondsAgo: 600)
                let forged = stripe.webhook("payment_intent.succeeded", intent: securedIntent, eventID: "evt_5", secret: "whsec_guess")
                for webhook in [stale, forged] {
                    let refused = try await Self.post(webhook, to: client)
                    #expect(try refused.status == .badRequest && refused.problem().code == "invalid_webhook")
                }

                #expect(try await steps.get(paid.id, token: token).state == "confirmed")
                #expect(stripe.intents.filter { $0.status == "succeeded" }.count == 2)
                #expect(stripe.captureCalls == 2, "one capture per order")
                let inbox = try await components.database.withSession { session in
                    try await session.raw("SELECT event_id FROM webhook_inbox WHERE provider = 'stripe' ORDER BY event_id").all()
                        .map { try $0.decode(column: "event_id", as: String.self) }
                }
                #expect(inbox == ["evt_1", "evt_2", "evt_3"])
            }
        }
    }

    static func post(_ webhook: (body: [UInt8], headers: [String: String]), to client: any TestClientProtocol) async throws -> TestResponse {
        var headers = HTTPFields()
        for (name, value) in webhook.headers { headers[HTTPField.Name(name)!] = value }
        return try await client.execute(uri: "/api/v1/payments/webhooks/stripe", method: .post, headers: headers,
                                        body: ByteBuffer(bytes: webhook.body)) { $0 }
    }
}
