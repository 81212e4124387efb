@testable import Booking
import BoxOfficeApp
import BoxOfficeStorage
import Catalog
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOConcurrencyHelpers
@testable import Payments
import SeatClient
import SeatProtocol
import SeatTestSupport
import Synchronization
import Testing

@Suite("The booking saga after lost answers, silent webhooks and expired holds", .timeLimit(.minutes(3)))
struct BookingRecoveryTests {
    /// The seat server, with the answers of chosen requests lost on the way back, as when a
    /// connection drops after the server acted: the one fault a real seatd cannot be asked to
    /// produce on cue. Every request still reaches the real server.
    final class LosingAnswers: SeatRequesting {
        let server: SeatClient
        private let losing = NIOLockedValueBox<[Opcode: Int]>([:])

        init(server: SeatClient) {
            self.server = server
        }

        /// Loses the next `count` answers to requests of `opcode`.
        func lose(_ count: Int, of opcode: Opcode) {
            losing.withLockedValue { $0[opcode, default: 0] += count }
        }

        func send(_ request: Request) async throws(SeatClientError) -> Response {
            let response = try await server.send(request)
            let lost = losing.withLockedValue { losing in
                guard let left = losing[request.opcode], left > 0 else { return false }
                losing[request.opcode] = left - 1
                return true
            }
            if lost { throw .connectionClosed }
            return response
        }
    }

    /// The sandbox, with two faults its cards cannot produce, scripted: the answers of chosen
    /// captures lost after the sandbox acted (as when a provider's reply times out), and
    /// cancellations answered "canceled" that never reached it (as when a provider acknowledges a
    /// cancel that loses a race with the customer's bank, and the payment completes after all).
    /// Every other call goes to the sandbox unchanged.
    final class SandboxWithFaults: PaymentProvider {
        let sandbox: SandboxProvider
        private let captureAnswersToLose: Mutex<Int>
        private let cancelsToSkip: Mutex<Int>
        /// Captures the sandbox made.
        let captures = Mutex(0)

        init(sandbox: SandboxProvider, losingCaptureAnswers: Int = 0, skippingCancels: Int = 0) {
            self.sandbox = sandbox
            captureAnswersToLose = Mutex(losingCaptureAnswers)
            cancelsToSkip = Mutex(skippingCancels)
        }

        var name: String { sandbox.name }

        func capturePayment(_ reference: String, idempotencyKey: String) async throws(PaymentError) -> ProviderPayment {
            let payment = try await sandbox.capturePayment(reference, idempotencyKey: idempotencyKey)
            captures.withLock { $0 += 1 }
            if Self.takeOne(captureAnswersToLose) { throw .timedOut }
            return payment
        }

        /// Whether a fault of `budget` is left, spending it if so.
        private static func takeOne(_ budget: borrowing Mutex<Int>) -> Bool {
            budget.withLock { left in
                defer { left = max(0, left - 1) }
                return left > 0
            }
        }

        func createPayment(amount: Money, orderID: String, idempotencyKey: String) async throws(PaymentError) -> ProviderPayment {
            try await sandbox.createPayment(amount: amount, orderID: orderID, idempotencyKey: idempotencyKey)
        }
        func confirmPayment(_ reference: String, paymentMethod: String, idempotencyKey: String) async throws(PaymentError) -> ProviderPayment {
            try await sandbox.confirmPayment(reference, paymentMethod: paymentMethod, idempotencyKey: idempotencyKey)
        }
        func fetchPayment(_ reference: String) async throws(PaymentError) -> ProviderPayment { try await sandbox.fetchPayment(reference) }
        func cancelPayment(_ reference: String, idempotencyKey: String) async throws(PaymentError) -> ProviderPayment {
            guard Self.takeOne(cancelsToSkip) else { return try await sandbox.cancelPayment(reference, idempotencyKey: idempotencyKey) }
            var acknowledged = try await sandbox.fetchPayment(reference)
            acknowledged.status = .canceled
            return acknowledged
        }
        func refund(_ reference: String, amount: Money, idempotencyKey: String) async throws(PaymentError) -> ProviderRefund {
            try await sandbox.refund(reference, amount: amount, idempotencyKey: idempotencyKey)
        }
        func fetchRefund(_ reference: String) async throws(PaymentError) -> ProviderRefund { try await sandbox.fetchRefund(reference) }
        func verifyReturn(_ reference: String, fields: [String: String]) throws(PaymentError) {
            try sandbox.verifyReturn(reference, fields: fields)
        }
        func verifyWebhook(rawBody: [UInt8], headers: [String: String], now: Date) throws(PaymentError) -> ProviderEvent {
            try sandbox.verifyWebhook(rawBody: rawBody, headers: headers, now: now)
        }
    }

    /// Immediate reconciliation: the tests call `reconcile()` themselves.
    static func promptly(_ configuration: inout BoxOfficeConfiguration) {
        configuration.booking.reconcileAfter = .zero
        configuration.booking.reconcileInterval = .seconds(3600)
    }

    /// Immediate reconciliation, and the sandbox's webhooks held back for an hour: only the test
    /// drives its orders.
    static func promptlyWithWebhooksHeldBack(_ configuration: inout BoxOfficeConfiguration) {
        promptly(&configuration)
        guard case .sandbox(var sandbox) = configuration.payments else { return }
        sandbox.webhookDelay = .seconds(3600)
        configuration.payments = .sandbox(sandbox)
    }

    @Test func aHoldAndAConfirmationWhoseAnswersWereLostAreAskedAgainNotRepeated() async throws {
        try await Harness.withAppAndSeatd(.sqlite, configure: Self.promptly) { client, components, seatd in
            let steps = BookingSteps(client: client, components: components)
            let showtime = try await steps.showtime()
            let seatClient = SeatClient(configuration: .init(host: "127.0.0.1", port: seatd.port, apiKey: SeatdProcess.apiKey))
            let seats = LosingAnswers(server: seatClient)
            var configuration = BookingConfiguration()
            configuration.reconcileAfter = .zero
            let booking = BookingService(
                database: components.database, catalog: components.catalog, seats: seats, provider: try #require(components.sandbox),
                configuration: configuration, logger: Harness.logger)
            let owner = BookingService.Owner.user("u1")
            let seating = try await components.catalog.seating(showtimeID: showtime.id)
            let wanted = try SeatLabels.resolve(["K1", "K2"], in: seating.layout)

            // The hold is made but its answer lost: the order waits, and asking again returns the same hold.
            seats.lose(1, of: .hold)
            await #expect(throws: BookingError.seatServerUnavailable) {
                try await booking.placeOrder(owner: owner, showtimeID: showtime.id, selection: .seats(wanted))
            }
            let waiting = try #require(try await booking.orders(owner: owner, limit: 1, createdBefore: nil).first)
            #expect(waiting.state == .holding)
            try await booking.reconcile()
            let held = try await booking.order(id: waiting.id, owner: owner)
            #expect(held.state == .held && held.seats.map(\.label) == ["K1", "K2"])
            let (heldMap, _) = try await SeatMapTests.seatMap(client, showtime.id) { $0.counts["held"] == 2 }
            #expect(heldMap.counts["held"] == 2)

            // Paid; the confirmation's answer is lost, so the order stays authorized until reconciled.
            seats.lose(1, of: .confirm)
            let paying = try await booking.pay(orderID: held.id, owner: owner, paymentMethod: SandboxCard.success.rawValue)
            #expect(paying.state == .authorized)
            try await booking.reconcile()
            let confirmed = try await booking.order(id: held.id, owner: owner)
            #expect(confirmed.state == .confirmed && confirmed.capturedMinor == 80_000)
            let (soldMap, _) = try await SeatMapTests.seatMap(client, showtime.id) { $0.counts["sold"] == 2 }
            #expect(soldMap.counts["held"] == 0 && soldMap.counts["sold"] == 2)
            let payment = try await components.sandbox!.fetchPayment(try #require(confirmed.paymentReference))
            #expect(payment.status == .captured)
            await seatClient.close()
        }
    }

    /// The seats' confirmation and the capture are stored in one write; a capture whose answers
    /// were lost leaves the order with its seats confirmed, and the reconciler captures with the
    /// same key: one capture at the provider, one `booking.confirmed`.
    @Test func aCaptureWhoseAnswersWereLostIsAskedAgainWithItsKey() async throws {
        // The application's own booking service would otherwise drive the order on the sandbox's
        // webhooks, capturing before this test's reconciliation.
        try await Harness.withAppAndSeatd(.sqlite, configure: Self.promptlyWithWebhooksHeldBack) { client, components, seatd in
            let steps = BookingSteps(client: client, components: components)
            let showtime = try await steps.showtime()
            let seatClient = SeatClient(configuration: .init(host: "127.0.0.1", port: seatd.port, apiKey: SeatdProcess.apiKey))
            // The step that confirms the seats captures at once, and the next step captures again
            // when that reached no decision: losing two answers leaves the order for the reconciler.
            let provider = SandboxWithFaults(sandbox: try #require(components.sandbox), losingCaptureAnswers: 2)
            var configuration = BookingConfiguration()
            configuration.reconcileAfter = .zero
            let booking = BookingService(
                database: components.database, catalog: components.catalog, seats: seatClient, provider: provider,
                configuration: configuration, logger: Harness.logger)
            let owner = BookingService.Owner.user("u1")
            let seating = try await components.catalog.seating(showtimeID: showtime.id)
            let held = try await booking.placeOrder(owner: owner, showtimeID: showtime.id,
                                                    selection: .seats(try SeatLabels.resolve(["D4"], in: seating.layout)))

            let paid = try await booking.pay(orderID: held.id, owner: owner, paymentMethod: SandboxCard.success.rawValue)
            #expect(paid.state == .seatsConfirmed && paid.seatBookingID != nil && paid.capturedMinor == 0)
            #expect(provider.captures.withLock { $0 } == 2)
            try await booking.reconcile()
            let confirmed = try await booking.order(id: held.id, owner: owner)
            #expect(confirmed.state == .confirmed && confirmed.capturedMinor == held.price?.totalMinor)
            #expect(confirmed.seatBookingID == paid.seatBookingID)
            #expect(provider.captures.withLock { $0 } == 3)
            let payment = try await provider.fetchPayment(try #require(confirmed.paymentReference))
            #expect(payment.status == .captured && payment.amount == held.price?.total)
            let events = try await components.database.withReadSession { session in
                try await Outbox.messages(for: "u1", on: session).filter { $0.payload.contains(held.id) }.map(\.topic)
            }
            #expect(events.filter { $0 == "booking.confirmed" }.count == 1)
            let (soldMap, _) = try await SeatMapTests.seatMap(client, showtime.id) { $0.counts["sold"] == 1 }
            #expect(soldMap.counts["held"] == 0 && soldMap.counts["sold"] == 1)
            await seatClient.close()
        }
    }

    @Test func aPaymentCompletedAfterItsOrderExpiredIsVoidedWhenItsWebhookComes() async throws {
        try await Harness.withAppAndSeatd(.sqlite, configure: Self.promptly) { client, components, seatd in
            let steps = BookingSteps(client: client, components: components)
            let showtime = try await steps.showtime()
            let sandbox = try #require(components.sandbox)
            let seatClient = SeatClient(configuration: .init(host: "127.0.0.1", port: seatd.port, apiKey: SeatdProcess.apiKey))
            // This service expires the order, with a clock past the hold's deadline, and a cancel
            // the provider acknowledges without making. The application's own service, on the real
            // clock, takes the sandbox's webhooks.
            let clockOffset = Mutex<TimeInterval>(0)
            var configuration = BookingConfiguration()
            configuration.reconcileAfter = .zero
            let expiring = BookingService(
                database: components.database, catalog: components.catalog, seats: seatClient,
                provider: SandboxWithFaults(sandbox: sandbox, skippingCancels: 1), configuration: configuration,
                now: { Date().addingTimeInterval(clockOffset.withLock { $0 }) }, logger: Harness.logger)
            let owner = BookingService.Owner.user("u1")
            let seating = try await components.catalog.seating(showtimeID: showtime.id)
            let held = try await expiring.placeOrder(owner: owner, showtimeID: showtime.id,
                                                     selection: .seats(try SeatLabels.resolve(["G7"], in: seating.layout)))
            let paying = try await expiring.pay(orderID: held.id, owner: owner, paymentMethod: SandboxCard.requiresAuthentication.rawValue)
            let reference = try #require(paying.paymentReference)
            #expect(paying.state == .paying)
            clockOffset.withLock { $0 = 11 * 60 }
            try await expiring.reconcile()
            #expect(try await expiring.order(id: held.id, owner: owner).state == .expired)

            // The customer's bank approves after all: the provider's webhook says so, and the
            // order that ended without a sale takes the money back.
            #expect(try await sandbox.authenticate(reference, approved: true).status == .authorized)
            var settled = try await components.booking.order(id: held.id, owner: owner)
            for _ in 0..<200 where settled.state != .failed {
                try await Task.sleep(for: .milliseconds(25))
                settled = try await components.booking.order(id: held.id, owner: owner)
            }
            #expect(settled.state == .failed && settled.failureReason == "the payment completed after the hold had ended")
            #expect(try await sandbox.fetchPayment(reference).status == .canceled)
            let events = try await components.database.withReadSession { session in
                try await Outbox.messages(for: "u1", on: session).filter { $0.payload.contains(held.id) }.map(\.topic)
            }
            #expect(events.filter { $0 == "booking.failed" }.count == 1)
            let (map, _) = try await SeatMapTests.seatMap(client, showtime.id) { $0.counts["sold"] == 0 }
            #expect(map.counts["sold"] == 0)
            await seatClient.close()
        }
    }

    /// Most of a sale's webhooks come after the customer's own request settled the order: such a
    /// webhook is recorded in the inbox and goes no further. It does not wait for the order's
    /// turn (held here, as by a step in progress), which driving the order would.
    @Test func aWebhookAboutASettledOrderIsRecordedWithoutWaitingForTheOrder() async throws {
        try await Harness.withAppAndSeatd(.sqlite, configure: Self.promptlyWithWebhooksHeldBack) { client, components, _ in
            let steps = BookingSteps(client: client, components: components)
            let showtime = try await steps.showtime()
            let (token, userID) = try await steps.customer("asha@example.com")
            let held = try await steps.held(showtime, seats: ["F3"], token: token)
            #expect(try await steps.pay(held, card: SandboxCard.success.rawValue, token: token).status == .ok)
            let booking = components.booking
            let order = try await booking.order(id: held.id, owner: .user(userID))
            #expect(order.state == .confirmed)
            let reference = try #require(order.paymentReference)

            let (taken, turnTaken) = AsyncStream<Void>.makeStream()
            let (ended, endTurn) = AsyncStream<Void>.makeStream()
            let step = Task {
                try await booking.locks.withLock(order.id) {
                    turnTaken.yield()
                    for await _ in ended {}
                }
            }
            for await _ in taken { break }

            let sandbox = try #require(components.sandbox)
            let body = Array(#"{"created":0,"data":{"payment":"\#(reference)"},"id":"evt_settled","type":"payment.captured"}"#.utf8)
            let headers = [SandboxProvider.signatureHeader: sandbox.signature.header(for: body, at: Date())]
            // Answered while the order's turn is still taken, or not within 5 s.
            let answered = Mutex(false)
            let webhook = Task {
                try await booking.receiveWebhook(provider: "sandbox", rawBody: body, headers: headers)
                answered.withLock { $0 = true }
            }
            for _ in 0..<100 where !answered.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(50)) }
            let answeredDuringTheTurn = answered.withLock { $0 }
            endTurn.finish()
            try await step.value
            try await webhook.value
            #expect(answeredDuringTheTurn, "the webhook waited for the order's turn")
            let inbox = try await components.database.withReadSession { session in
                try await session.raw("SELECT COUNT(*) AS count FROM webhook_inbox WHERE event_id = 'evt_settled'").first()?
                    .decode(column: "count", as: Int.self)
            }
            #expect(inbox == 1)
            #expect(try await booking.order(id: held.id, owner: .user(userID)).version == order.version)
        }
    }

    /// A webhook about a payment no order pays with (another system's on the same account, or
    /// a test sent from the provider's dashboard) is recorded and answered without error, so the
    /// provider stops sending it; sent again, it is a repeat.
    @Test func aWebhookAboutAPaymentOfNoOrderIsRecordedAndAnswered() async throws {
        try await Harness.withAppAndSeatd(.sqlite, configure: Self.promptly) { _, components, _ in
            let sandbox = try #require(components.sandbox)
            let body = Array(#"{"created":0,"data":{"payment":"pay_of_no_order"},"id":"evt_stray","type":"payment.captured"}"#.utf8)
            let headers = [SandboxProvider.signatureHeader: sandbox.signature.header(for: body, at: Date())]
            try await components.booking.receiveWebhook(provider: "sandbox", rawBody: body, headers: headers)
            try await components.booking.receiveWebhook(provider: "sandbox", rawBody: body, headers: headers)
            let inbox = try await components.database.withReadSession { session in
                try await session.raw("SELECT COUNT(*) AS count FROM webhook_inbox WHERE event_id = 'evt_stray'").first()?
                    .decode(column: "count", as: Int.self)
            }
            #expect(inbox == 1)
        }
    }

    @Test func anExpiredHoldIsExpiredAndItsSeatsFree() async throws {
        try await Harness.withAppAndSeatd(.sqlite, configure: { configuration in
            Self.promptly(&configuration)
            configuration.booking.holdDuration = .seconds(1)
        }) { client, components, _ in
            let steps = BookingSteps(client: client, components: components)
            let showtime = try await steps.showtime()
            let (token, userID) = try await steps.customer("asha@example.com")
            let order = try await steps.held(showtime, seats: ["J1", "J2"], token: token)
            try await Task.sleep(for: .milliseconds(1_100))
            try await components.booking.reconcile()
            let expired = try await steps.get(order.id, token: token)
            #expect(expired.state == "expired" && expired.holdExpiresAt == nil)
            let late = try await steps.pay(order, card: SandboxCard.success.rawValue, token: token)
            #expect(try late.status == .conflict && (late.problem().code) == "order_not_payable")
            let (map, _) = try await SeatMapTests.seatMap(client, showtime.id) { $0.counts["held"] == 0 }
            #expect(map.state(of: "J1") == "f")
            #expect(try await steps.events(for: userID).contains("booking.expired"))
        }
    }

    @Test func aPaymentWhoseWebhookNeverComesIsSettledByTheReconciler() async throws {
        // The clock the sandbox processes by, moved on once the payment is under way.
        let clockOffset = Mutex<TimeInterval>(0)
        try await Harness.withAppAndSeatd(.sqlite, configure: { configuration in
            Self.promptly(&configuration)
            configuration.accounts.now = { Date().addingTimeInterval(clockOffset.withLock { $0 }) }
            guard case .sandbox(var sandbox) = configuration.payments else { return }
            sandbox.processingDelay = .seconds(60)
            sandbox.webhookDelay = .seconds(3600)
            configuration.payments = .sandbox(sandbox)
        }) { client, components, _ in
            let steps = BookingSteps(client: client, components: components)
            let showtime = try await steps.showtime()
            let (token, _) = try await steps.customer("asha@example.com")
            let order = try await steps.held(showtime, seats: ["B1"], token: token)
            let processing = try await steps.pay(order, card: SandboxCard.processing.rawValue, token: token)
            #expect(processing.status == .accepted, "\(processing.text)")
            clockOffset.withLock { $0 = 61 }
            try await components.booking.reconcile()
            #expect(try await steps.get(order.id, token: token).state == "confirmed")

            // The provider's answer to the confirmation is lost; the order asks and goes on.
            let second = try await steps.held(showtime, seats: ["C1"], token: token)
            let lostAnswer = try await steps.pay(second, card: SandboxCard.answerLost.rawValue, token: token)
            #expect(lostAnswer.status == .ok, "\(lostAnswer.text)")
            #expect(try lostAnswer.json(BookingSteps.Order.self).state == "confirmed")
        }
    }

    @Test func aHoldWhoseSlotServedALaterHoldLosesItsSeatsAndVoidsThePayment() async throws {
        // One shard of eight reservations: a released hold's slot serves a later hold within eight holds.
        try await Harness.withAppAndSeatd(.sqlite, seatdArguments: ["--shards", "1", "--reservations-per-shard", "8"],
                                          configure: Self.promptly) { client, components, seatd in
            let steps = BookingSteps(client: client, components: components)
            let showtime = try await steps.showtime()
            let (token, _) = try await steps.customer("asha@example.com")
            let sandbox = try #require(components.sandbox)

            // The order's hold is released behind its back, and its slot then serves later holds.
            let order = try await steps.held(showtime, seats: ["E1"], token: token)
            let hold = try #require(try await components.booking.order(id: order.id, owner: nil).holdID)
            let connection = try await seatd.connect()
            let held = try await connection.reservation(hold)
            try await connection.release(hold)
            var refusal: ErrorCode?
            for _ in 0..<16 where refusal != .holdSuperseded {
                let later = try await connection.hold(held.seats, show: held.show, for: .seconds(60))
                try await connection.release(later.hold)
                do {
                    _ = try await connection.reservation(hold)
                } catch SeatClientError.refused(let reply) {
                    refusal = reply.code
                }
            }
            await connection.close()
            try #require(refusal == .holdSuperseded, "the released hold's slot served a later hold")

            // Paying authorizes, the confirmation is refused with HOLD_SUPERSEDED, and the payment is voided.
            let lost = try await steps.pay(order, card: SandboxCard.success.rawValue, token: token)
            #expect(try lost.status == .conflict && (lost.problem().code) == "seats_lost", "\(lost.text)")
            let failed = try await components.booking.order(id: order.id, owner: nil)
            #expect(failed.state == .failed && failed.failureReason == "the seats could not be sold: HOLD_SUPERSEDED")
            #expect(try await sandbox.fetchPayment(try #require(failed.paymentReference)).status == .canceled)
        }
    }

    @Test func seatsLostBeforeTheSaleVoidThePaymentAndAnAbandonedOneIsCancelled() async throws {
        // The box office's clock, moved past the hold's deadline when the test needs it to have run
        // out (a real one-second hold makes the test depend on how fast a loaded machine pays).
        let clockOffset = Mutex<TimeInterval>(0)
        try await Harness.withAppAndSeatd(.sqlite, configure: { configuration in
            Self.promptly(&configuration)
            configuration.accounts.now = { Date().addingTimeInterval(clockOffset.withLock { $0 }) }
        }) { client, components, seatd in
            let steps = BookingSteps(client: client, components: components)
            let showtime = try await steps.showtime()
            let (token, userID) = try await steps.customer("asha@example.com")
            let sandbox = try #require(components.sandbox)

            // The hold is released behind the order's back (an operator); the payment is authorized, the
            // seats cannot be sold, and the authorization is voided.
            let order = try await steps.held(showtime, seats: ["E1", "E2"], token: token)
            let stored = try await components.booking.order(id: order.id, owner: nil)
            let connection = try await seatd.connect()
            try await connection.release(try #require(stored.holdID))
            await connection.close()
            let lost = try await steps.pay(order, card: SandboxCard.success.rawValue, token: token)
            #expect(try lost.status == .conflict && (lost.problem().code) == "seats_lost", "\(lost.text)")
            let failed = try await components.booking.order(id: order.id, owner: nil)
            #expect(failed.state == .failed && failed.failureReason == "the seats could not be sold: HOLD_RELEASED")
            #expect(try await sandbox.fetchPayment(try #require(failed.paymentReference)).status == .canceled)
            #expect(try await steps.events(for: userID).contains("booking.failed"))

            // 3-D Secure never completed within the hold (extended by the payment window, within the
            // show's 10 minutes): the payment is cancelled, and approving it afterwards takes nothing.
            let abandoned = try await steps.held(showtime, seats: ["F1"], token: token)
            let pending: BookingSteps.Order = try await steps.pay(abandoned, card: SandboxCard.requiresAuthentication.rawValue, token: token).json()
            #expect(pending.state == "paying")
            clockOffset.withLock { $0 = 11 * 60 }
            try await components.booking.reconcile()
            let expired = try await components.booking.order(id: abandoned.id, owner: nil)
            #expect(expired.state == .expired)
            let reference = try #require(expired.paymentReference)
            #expect(try await sandbox.authenticate(reference, approved: true).status == .canceled)
        }
    }

    /// The customer's payment request stores nothing between the provider's authorization and the
    /// sale (`confirmed` is one write), so a crash there leaves the order `paying`. Once our clock
    /// says the hold ran out, the reconciler asks before abandoning: a completed payment goes to
    /// the seat server, which says whether the seats were sold.
    @Test func aCompletedPaymentIsNotAbandonedOnTheClockTheSeatServerDecides() async throws {
        let clockOffset = Mutex<TimeInterval>(0)
        try await Harness.withAppAndSeatd(.sqlite, configure: { configuration in
            Self.promptlyWithWebhooksHeldBack(&configuration)
            configuration.accounts.now = { Date().addingTimeInterval(clockOffset.withLock { $0 }) }
        }) { client, components, seatd in
            let steps = BookingSteps(client: client, components: components)
            let showtime = try await steps.showtime()
            let (token, _) = try await steps.customer("asha@example.com")
            let sandbox = try #require(components.sandbox)
            let connection = try await seatd.connect()
            // An order paid through 3-D Secure and approved at the bank, with its webhook held back:
            // as a crash right after the provider's answer leaves it, `paying`.
            func authorizedWhilePaying(_ seat: String) async throws -> (order: Order, reference: String) {
                let held = try await steps.held(showtime, seats: [seat], token: token)
                let pending: BookingSteps.Order = try await steps.pay(held, card: SandboxCard.requiresAuthentication.rawValue,
                                                                      token: token).json()
                #expect(pending.state == "paying")
                let order = try await components.booking.order(id: held.id, owner: nil)
                let reference = try #require(order.paymentReference)
                #expect(try await sandbox.authenticate(reference, approved: true).status == .authorized)
                return (order, reference)
            }

            // Paid and sold, then the crash: the seats confirmed with the order's own key, as the
            // request had done, and nothing stored after `paying`.
            let (sold, soldReference) = try await authorizedWhilePaying("H1")
            let seatBooking = try await connection.confirm(try #require(sold.holdID),
                                                           idempotencyKey: SeatKeys.key(sold.idempotencyKey("confirm")))
            // Paid, and the hold let go before the sale: the seats are lost.
            let (lost, lostReference) = try await authorizedWhilePaying("H2")
            try await connection.release(try #require(lost.holdID))
            await connection.close()

            clockOffset.withLock { $0 = 11 * 60 }
            try await components.booking.reconcile()
            let confirmed = try await components.booking.order(id: sold.id, owner: nil)
            #expect(confirmed.state == .confirmed && confirmed.seatBookingID == seatBooking)
            #expect(try await sandbox.fetchPayment(soldReference).status == .captured)
            let failed = try await components.booking.order(id: lost.id, owner: nil)
            #expect(failed.state == .failed && failed.failureReason == "the seats could not be sold: HOLD_RELEASED")
            #expect(try await sandbox.fetchPayment(lostReference).status == .canceled)
            let (map, _) = try await SeatMapTests.seatMap(client, showtime.id) { $0.counts["sold"] == 1 && $0.counts["held"] == 0 }
            #expect(map.counts["sold"] == 1 && map.counts["held"] == 0)
        }
    }
}
