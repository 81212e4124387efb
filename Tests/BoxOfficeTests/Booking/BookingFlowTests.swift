import Booking
import BoxOfficeApp
import Catalog
import Foundation
import HTTPTypes
import HummingbirdTesting
import Payments
import SeatClient
import SeatTestSupport
import Testing

@Suite("Booking over HTTP: hold, pay, confirm, cancel, with seatd and the sandbox provider", .timeLimit(.minutes(3)))
struct BookingFlowTests {
    @Test(arguments: TestEngine.allCases)
    func aCustomerBooksPaysAndCancelsForARefund(engine: TestEngine) async throws {
        try await Harness.withAppAndSeatd(engine, configure: { configuration in
            configuration.booking.pricing = PricingRules(bookingFeeBasisPoints: 200, feeTaxBasisPoints: 1_800)
        }) { client, components, _ in
            let steps = BookingSteps(client: client, components: components)
            let showtime = try await steps.showtime()
            let (token, userID) = try await steps.customer("asha@example.com")

            // Labels in any case; a standard and a premium seat.
            let held = try await steps.held(showtime, seats: ["c1", "I1"], token: token)
            #expect(held.state == "held")
            #expect(held.seats.map(\.label) == ["C1", "I1"])
            #expect(held.seats.map(\.priceMinor) == [25_000, 40_000])
            let price = try #require(held.price)
            // 2 % fee per seat (500 + 800), 18 % tax on it (234).
            #expect(price.subtotalMinor == 65_000 && price.bookingFeeMinor == 1_300 && price.taxMinor == 234)
            #expect(price.totalMinor == 66_534 && price.currency == "INR")
            let deadline = try #require(held.holdExpiresAt)
            #expect(deadline > Date().addingTimeInterval(5 * 60) && deadline < Date().addingTimeInterval(8 * 60))

            // Nobody else sees it.
            let (otherToken, _) = try await steps.customer("ravi@example.com")
            #expect(try await client.request(.get, "/api/v1/orders/\(held.id)", token: otherToken).status == .notFound)
            #expect(try await steps.pay(held, card: SandboxCard.success.rawValue, token: otherToken).status == .notFound)
            #expect(try await client.request(.get, "/api/v1/orders/\(held.id)").status == .unauthorized)

            // Paid: confirmed with a booking code; the seats are sold.
            let paid = try await steps.pay(held, card: SandboxCard.success.rawValue, token: token)
            #expect(paid.status == .ok, "\(paid.text)")
            let confirmed: BookingSteps.Order = try paid.json()
            #expect(confirmed.state == "confirmed" && confirmed.payment?.attempt == 1)
            let code = try #require(confirmed.bookingCode)
            #expect(code.count == 12 && code.allSatisfy { $0.isUppercase || $0.isNumber })
            let (sold, _) = try await SeatMapTests.seatMap(client, showtime.id) { $0.counts["sold"] == 2 }
            #expect(sold.state(of: "C1") == "s" && sold.state(of: "I1") == "s")
            struct OrderList: Decodable { var orders: [BookingSteps.Order] }
            let list: OrderList = try await client.request(.get, "/api/v1/orders", token: token).json()
            #expect(list.orders.map(\.id) == [held.id])
            #expect(try await steps.events(for: userID).contains("booking.confirmed"))

            // The refund is shown before cancelling: 10 % fee by default.
            struct Terms: Decodable {
                var cancellable: Bool
                var feeMinor: Int64?
                var refundMinor: Int64?
            }
            let terms: Terms = try await client.request(.get, "/api/v1/orders/\(held.id)/cancellation", token: token).json()
            #expect(terms.cancellable && terms.feeMinor == 6_653 && terms.refundMinor == 59_881)
            let cancelled: BookingSteps.Order = try await client.request(.post, "/api/v1/orders/\(held.id)/cancel", token: token).json()
            #expect(cancelled.state == "cancelled")
            #expect(cancelled.cancellation?.refundMinor == 59_881 && cancelled.cancellation?.feeMinor == 6_653)
            let refunds = try await components.booking.refunds(orderID: held.id)
            #expect(refunds.map(\.amount) == [Money(59_881, "INR")] && refunds.map(\.status) == ["succeeded"])
            let (freed, _) = try await SeatMapTests.seatMap(client, showtime.id) { $0.counts["sold"] == 0 }
            #expect(freed.state(of: "C1") == "f")
            // Cancelling again changes nothing; paying a cancelled order is refused.
            let again = try await client.request(.post, "/api/v1/orders/\(held.id)/cancel", token: token)
            #expect(try again.status == .ok && (again.json(BookingSteps.Order.self)).state == "cancelled")
            #expect(try await components.booking.refunds(orderID: held.id).count == 1)
            let payCancelled = try await steps.pay(held, card: SandboxCard.success.rawValue, token: token)
            #expect(try payCancelled.status == .conflict && (payCancelled.problem().code) == "order_not_payable")
            let events = try await steps.events(for: userID)
            #expect(events.filter { $0.hasPrefix("booking.") && $0 != "booking.reminder" } == ["booking.confirmed", "booking.cancelled"])
            // The reminder was scheduled with the confirmation (and is skipped when due: the booking is cancelled).
            #expect(events.contains("booking.reminder"))
        }
    }

    @Test func theTheatresCancellationPolicyAtTheSaleGoverns() async throws {
        try await Harness.withAppAndSeatd(.sqlite) { client, components, _ in
            let steps = BookingSteps(client: client, components: components)
            let (showtime, adminToken) = try await SeatMapTests.scheduleShowtime(client, components)
            let (token, _) = try await steps.customer("asha@example.com")
            func setPolicy(_ json: String) async throws {
                let response = try await client.request(.patch, "/api/v1/theatres/pvr-pune", token: adminToken,
                                                        json: #"{"cancellationPolicy":\#(json)}"#)
                #expect(response.status == .ok, "\(response.text)")
            }
            let invalid = try await client.request(.patch, "/api/v1/theatres/pvr-pune", token: adminToken,
                                                   json: #"{"cancellationPolicy":{"cutoffMinutes":-1,"feeBasisPoints":0}}"#)
            #expect(try invalid.problem().errors?.map(\.field) == ["cancellationPolicy.cutoffMinutes"])

            // Sold under a free cancellation; the theatre then keeps everything: the sale's terms stand.
            try await setPolicy(#"{"cutoffMinutes":30,"feeBasisPoints":0}"#)
            let free = try await steps.held(showtime, seats: ["L1"], token: token)
            #expect(try await steps.pay(free, card: SandboxCard.success.rawValue, token: token).status == .ok)
            try await setPolicy(#"{"cutoffMinutes":30,"feeBasisPoints":10000}"#)
            let cancelled: BookingSteps.Order = try await client.request(.post, "/api/v1/orders/\(free.id)/cancel", token: token).json()
            #expect(cancelled.state == "cancelled" && cancelled.cancellation?.refundMinor == 40_000 && cancelled.cancellation?.feeMinor == 0)

            // Sold under a week's cut-off: tomorrow's showtime can no longer be cancelled.
            try await setPolicy(#"{"cutoffMinutes":10080,"feeBasisPoints":0}"#)
            let closed = try await steps.held(showtime, seats: ["J1"], token: token)
            #expect(try await steps.pay(closed, card: SandboxCard.success.rawValue, token: token).status == .ok)
            let refused = try await client.request(.post, "/api/v1/orders/\(closed.id)/cancel", token: token)
            #expect(try refused.status == .conflict && (refused.problem().code) == "cancellation_closed")
            let terms = try await client.request(.get, "/api/v1/orders/\(closed.id)/cancellation", token: token)
            #expect(terms.text.contains(#""cancellable":false"#) && terms.text.contains(#""cutoffMinutes":10080"#))
            #expect(try await steps.get(closed.id, token: token).state == "confirmed")
        }
    }

    @Test func theSeatServersRefusalsNameTheSeats() async throws {
        try await Harness.withAppAndSeatd(.sqlite) { client, components, _ in
            let steps = BookingSteps(client: client, components: components)
            let showtime = try await steps.showtime()
            let (first, _) = try await steps.customer("first@example.com")
            let (second, _) = try await steps.customer("second@example.com")
            _ = try await steps.held(showtime, seats: ["D1", "D2"], token: first)

            let taken = try await steps.order(showtime, seats: ["D3", "D2"], token: second)
            #expect(taken.status == .conflict, "\(taken.text)")
            let problem = try taken.problem()
            #expect(problem.code == "seat_unavailable" && problem.detail == "D2 is held by someone else.")
            #expect(problem.errors?.map(\.message) == ["D2"])

            let unknown = try await steps.order(showtime, seats: ["DD7", "Q1", "D9"], token: second)
            #expect(unknown.status == .unprocessableContent)
            let unknownMessages = try unknown.problem().errors?.map(\.message)
            #expect(unknownMessages == ["no seat DD7 on this screen; did you mean D7?", "no seat Q1 on this screen"])

            let tooMany = try await steps.order(showtime, seats: (1...11).map { "E\($0)" }, token: second)
            #expect(tooMany.status == .unprocessableContent)
            let twice = try await steps.order(showtime, seats: ["E1", "e1"], token: second)
            #expect(try twice.status == .unprocessableContent && (twice.problem().detail?.contains("listed twice")) == true)
            for limit in ["0", "101", "many"] {
                let page = try await client.request(.get, "/api/v1/orders?limit=\(limit)", token: second)
                #expect(try page.status == .unprocessableContent && page.problem().errors?.map(\.field) == ["limit"])
            }
            let hugeWebhook = try await client.request(.post, "/api/v1/payments/webhooks/sandbox",
                                                       json: "[" + String(repeating: "0,", count: 40_000) + "0]")
            #expect(hugeWebhook.status == .contentTooLarge)
            let neither = try await client.request(.post, "/api/v1/showtimes/\(showtime.id)/orders", token: second, json: "{}")
            #expect(neither.status == .unprocessableContent)
            let noShowtime = try await client.request(
                .post, "/api/v1/showtimes/\(UUID().uuidString.lowercased())/orders", token: second, json: #"{"seats":["A3"]}"#)
            #expect(noShowtime.status == .notFound)

            // Best available: two premium seats together, priced as premium.
            let best = try await client.request(.post, "/api/v1/showtimes/\(showtime.id)/orders", token: second,
                                                json: #"{"bestAvailable":{"count":2,"category":"premium"}}"#)
            #expect(best.status == .created, "\(best.text)")
            let bestOrder: BookingSteps.Order = try best.json()
            #expect(bestOrder.seats.count == 2 && bestOrder.seats.allSatisfy { $0.category == "premium" })
            #expect(bestOrder.price?.subtotalMinor == 80_000)
            let wrongCategory = try await client.request(.post, "/api/v1/showtimes/\(showtime.id)/orders", token: second,
                                                         json: #"{"bestAvailable":{"count":2,"category":"balcony"}}"#)
            #expect(wrongCategory.status == .unprocessableContent)

            // Giving the seats up frees them at once.
            let released = try await client.request(.post, "/api/v1/orders/\(bestOrder.id)/release", token: second)
            #expect(try released.status == .ok && (released.json(BookingSteps.Order.self)).state == "released")
            let (map, _) = try await SeatMapTests.seatMap(client, showtime.id) { $0.counts["held"] == 2 }
            #expect(map.state(of: "D1") == "h")
        }
    }

    @Test func aDeclineKeepsTheSeatsForAnotherCard() async throws {
        try await Harness.withAppAndSeatd(.sqlite) { client, components, _ in
            let steps = BookingSteps(client: client, components: components)
            let showtime = try await steps.showtime()
            let (token, userID) = try await steps.customer("asha@example.com")
            let order = try await steps.held(showtime, seats: ["G1", "G2"], token: token)

            let declined = try await steps.pay(order, card: SandboxCard.declined.rawValue, token: token)
            #expect(declined.status.code == 402, "\(declined.text)")
            #expect(try declined.problem().code == "payment_declined")
            let afterDecline = try await steps.get(order.id, token: token)
            #expect(afterDecline.state == "held" && afterDecline.payment?.failure == "card_declined")

            let notACard = try await steps.pay(order, card: "5555555555554444", token: token)
            #expect(notACard.status.code == 402, "\(notACard.text)")
            #expect(try notACard.problem().detail?.contains("the sandbox takes only its test cards") == true)
            #expect(try await steps.get(order.id, token: token).state == "held")

            let paid = try await steps.pay(order, card: SandboxCard.success.rawValue, token: token)
            #expect(paid.status == .ok, "\(paid.text)")
            let confirmed: BookingSteps.Order = try paid.json()
            #expect(confirmed.state == "confirmed" && confirmed.payment?.attempt == 3)
            let events = try await steps.events(for: userID)
            #expect(events.filter { $0 != "account.email_verification" && $0 != "booking.reminder" }
                == ["payment.failed", "payment.failed", "booking.confirmed"])
        }
    }

    @Test func threeDSecureCompletesThroughTheWebhookEvenWhenSentTwice() async throws {
        try await Harness.withAppAndSeatd(.sqlite, configure: { configuration in
            guard case .sandbox(var sandbox) = configuration.payments else { return }
            sandbox.sendsWebhooksTwice = true
            configuration.payments = .sandbox(sandbox)
        }) { client, components, _ in
            let steps = BookingSteps(client: client, components: components)
            let showtime = try await steps.showtime()
            let (token, userID) = try await steps.customer("asha@example.com")
            let order = try await steps.held(showtime, seats: ["H1"], token: token)

            let pending = try await steps.pay(order, card: SandboxCard.requiresAuthentication.rawValue, token: token)
            #expect(pending.status == .accepted, "\(pending.text)")
            let waiting: BookingSteps.Order = try pending.json()
            #expect(waiting.state == "paying")
            let action = try #require(waiting.payment?.nextActionUrl)
            #expect(try await client.request(.post, action, json: #"{"approved":true}"#).status == .ok)
            // The browser never comes back: the webhook alone completes the booking, once.
            let confirmed = try await steps.order(order.id, token: token) { $0.state == "confirmed" }
            #expect(confirmed.bookingCode != nil)
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await steps.events(for: userID).filter { $0 == "booking.confirmed" }.count == 1)

            // The customer rejects the next one at their bank: the seats stay held.
            let second = try await steps.held(showtime, seats: ["H2"], token: token)
            let secondPending: BookingSteps.Order = try await steps.pay(second, card: SandboxCard.requiresAuthentication.rawValue, token: token).json()
            let secondAction = try #require(secondPending.payment?.nextActionUrl)
            #expect(try await client.request(.post, secondAction, json: #"{"approved":false}"#).status == .ok)
            let rejected = try await steps.order(second.id, token: token) { $0.state == "held" }
            #expect(rejected.payment?.failure == "authentication_failed")
        }
    }

    @Test func forgedAndUnknownWebhooksAreRefusedAndChangeNothing() async throws {
        try await Harness.withAppAndSeatd(.sqlite) { client, components, _ in
            let body = #"{"created":0,"data":{"payment":"pay_x"},"id":"evt_forged","type":"payment.authorized"}"#
            let unsigned = try await client.request(.post, "/api/v1/payments/webhooks/sandbox", json: body)
            #expect(try unsigned.status == .badRequest && (unsigned.problem().code) == "invalid_webhook")
            let forged = TimestampedSignature(secret: "not the secret").header(for: Array(body.utf8), at: Date())
            let wrongKey = try await client.request(.post, "/api/v1/payments/webhooks/sandbox", json: body,
                                                    headers: [HTTPField.Name("Sandbox-Signature")!: forged])
            #expect(wrongKey.status == .badRequest)
            #expect(try wrongKey.problem().detail == "webhook refused: signature does not match the body")
            let unknown = try await client.request(.post, "/api/v1/payments/webhooks/stripe", json: body)
            #expect(unknown.status == .badRequest)
            let inbox = try await components.database.withSession { session in
                try await session.raw("SELECT COUNT(*) AS count FROM webhook_inbox").first()?.decode(column: "count", as: Int.self)
            }
            #expect(inbox == 0)
        }
    }
}
