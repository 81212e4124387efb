@testable import Booking
import BoxOfficeStorage
import Foundation
import SQLKit
import Testing

@Suite("An order's row is written and read back whole", .timeLimit(.minutes(2)))
struct OrderRecordsTests {
    /// The order with every optional field filled and every flag set.
    static func everyFieldSet() -> Order {
        var order = OrderSagaTests.held().order
        order.customerReference = "crm-7"
        order.promotionID = "promo-1"
        order.isHoldExtended = true
        order.paymentAttempt = 2
        order.paymentReference = "pay_1"
        order.paymentClientSecret = "pay_1_secret"
        order.paymentNextActionURL = "https://bank.example/3ds"
        order.paymentFailure = "card_declined"
        order.seatBookingID = UInt64.max - 1
        order.isSeatBookingCancelled = true
        order.bookingCode = "7K3M9Q2W4X8Z"
        order.capturedMinor = 52_000
        order.refundMinor = 40_000
        order.cancellationFeeMinor = 12_000
        order.failureReason = "it's \"quoted\"; DROP TABLE orders; --"
        order.state = .cancelled
        order.updatedAt = order.createdAt.addingTimeInterval(60)
        return order
    }

    @Test(arguments: TestEngine.allCases)
    func everyColumnSurvivesInsertAndUpdateAndAStaleUpdateChangesNothing(engine: TestEngine) async throws {
        try await Harness.withDatabase(engine) { database in
            let placed = OrderSagaTests.newOrder()
            _ = try await database.transaction { session in try await OrderWrite.insert(placed).run(on: session) }
            let read = { try await database.withReadSession { session in try await OrderRecords.find(id: placed.id, on: session) } }
            #expect(try await read() == placed)

            let changed = Self.everyFieldSet()
            #expect(try await database.transaction { session in try await OrderRecords.update(changed, from: placed, on: session) })
            var expected = changed
            expected.version += 1
            #expect(try await read() == expected)

            // Written at the version it was read at, which is gone now.
            var staleOrder = placed
            staleOrder.state = .expired
            let stale = staleOrder
            #expect(try await !database.transaction { session in try await OrderRecords.update(stale, from: placed, on: session) })
            #expect(try await read() == expected)
        }
    }

    /// A state this program does not know (written by a newer box office, or by hand) stops
    /// the reads that decode it with the order's id, rather than being taken for another state.
    @Test(arguments: TestEngine.allCases)
    func aRowWithAnUnknownStateIsReportedByItsIDWhereverItIsRead(engine: TestEngine) async throws {
        try await Harness.withDatabase(engine) { database in
            let order = Self.everyFieldSet()
            _ = try await database.transaction { session in try await OrderWrite.insert(order).run(on: session) }
            try await database.write { session in
                try await session.raw("UPDATE orders SET state = \(bind: "teleported") WHERE id = \(bind: order.id)").run()
            }
            let byID = await #expect(throws: OrderRecords.CorruptRow.self) {
                try await database.withReadSession { session in try await OrderRecords.find(id: order.id, on: session) }
            }
            let byPayment = await #expect(throws: OrderRecords.CorruptRow.self) {
                try await database.write { session in
                    try await OrderRecords.recordWebhook(provider: order.paymentProvider, eventID: "evt_1", type: "payment.captured",
                                                         paymentReference: "pay_1", now: 0, on: session)
                }
            }
            let stateByID = await #expect(throws: OrderRecords.CorruptRow.self) {
                try await database.withReadSession { session in try await OrderRecords.state(id: order.id, on: session) }
            }
            #expect(byID?.id == order.id)
            #expect(byPayment?.id == order.id)
            #expect(stateByID?.id == order.id)
        }
    }

    /// A webhook's event is recorded once, and recording it finds the order paying with its
    /// payment as it stands, in the same statement.
    @Test(arguments: TestEngine.allCases)
    func aWebhookIsRecordedOnceAndFindsTheOrderPayingWithItsPayment(engine: TestEngine) async throws {
        try await Harness.withDatabase(engine) { database in
            var order = OrderSagaTests.held().order
            order.state = .paying
            order.paymentReference = "pay_1"
            let paying = order
            _ = try await database.transaction { session in try await OrderWrite.insert(paying).run(on: session) }
            let record = { (eventID: String, payment: String) in
                try await database.write { session in
                    try await OrderRecords.recordWebhook(provider: paying.paymentProvider, eventID: eventID, type: "payment.authorized",
                                                         paymentReference: payment, now: 1_000, on: session)
                }
            }
            #expect(try await record("evt_1", "pay_1") == .order(id: paying.id, state: .paying))
            #expect(try await record("evt_1", "pay_1") == .repeated)

            var confirmed = paying
            confirmed.state = .confirmed
            let changed = confirmed
            #expect(try await database.transaction { session in try await OrderRecords.update(changed, from: paying, on: session) })
            #expect(try await record("evt_2", "pay_1") == .order(id: paying.id, state: .confirmed))
            #expect(try await record("evt_3", "pay_other") == .noOrder)
            #expect(try await record("evt_3", "pay_other") == .repeated)

            let inbox = try await database.withReadSession { session in
                try await session.raw("SELECT event_id FROM webhook_inbox ORDER BY event_id").all().map { try $0.decode(column: "event_id", as: String.self) }
            }
            #expect(inbox == ["evt_1", "evt_2", "evt_3"])
        }
    }

    /// With no wait (`reconcileAfter` zero), the reconciler takes an order, or a refund, last
    /// updated in the very millisecond of its pass: with a strict comparison, a test that
    /// reconciled at once after a step found nothing when both fell in one millisecond.
    @Test(arguments: TestEngine.allCases)
    func theReconcilerTakesAnOrderOrRefundLastUpdatedInItsOwnMillisecond(engine: TestEngine) async throws {
        try await Harness.withDatabase(engine) { database in
            var order = OrderSagaTests.held().order
            order.state = .paying
            let paying = order
            let updatedAtMs = paying.updatedAt.millisecondsSince1970
            let refund = OrderRecords.RefundRow(
                idempotencyKey: "refund-1", orderId: paying.id, amountMinor: 100, currency: "INR", reason: "cancellation",
                providerReference: nil, status: OrderRecords.RefundRow.requested, createdAtMs: updatedAtMs, updatedAtMs: updatedAtMs)
            _ = try await database.transaction { session in
                try await OrderWrite.insert(paying).run(on: session)
                return try await OrderRecords.recordRefund(refund, capturedMinor: 100, on: session)
            }
            // `now: 0` leaves out the other kind, orders held past their deadline.
            let unsettled = { (untouchedSince: Int64) in
                try await database.withReadSession { session in
                    (try await OrderRecords.unsettled(untouchedSince: untouchedSince, now: 0, limit: 10, on: session).map(\.id),
                     try await OrderRecords.unsettledRefunds(untouchedSince: untouchedSince, limit: 10, on: session).map(\.idempotencyKey))
                }
            }
            let atTheirMillisecond = try await unsettled(updatedAtMs)
            #expect(atTheirMillisecond.0 == [paying.id] && atTheirMillisecond.1 == ["refund-1"])
            let before = try await unsettled(updatedAtMs - 1)
            #expect(before.0.isEmpty && before.1.isEmpty)
        }
    }

    /// An order's state is read alone, as its row stands; no order, no state.
    @Test(arguments: TestEngine.allCases)
    func anOrdersStateIsReadAloneAsItsRowStands(engine: TestEngine) async throws {
        try await Harness.withDatabase(engine) { database in
            let held = OrderSagaTests.held().order
            _ = try await database.transaction { session in try await OrderWrite.insert(held).run(on: session) }
            let state = { (id: String) in try await database.withReadSession { session in try await OrderRecords.state(id: id, on: session) } }
            #expect(try await state(held.id) == .held)

            var paying = held
            paying.state = .paying
            let changed = paying
            #expect(try await database.transaction { session in try await OrderRecords.update(changed, from: held, on: session) })
            #expect(try await state(held.id) == .paying)
            #expect(try await state("no-such-order") == nil)
        }
    }

    @Test
    func anUpdateWritesOnlyWhatTheStepChanged() {
        let held = OrderSagaTests.held().order
        var paid = held
        paid.state = .paying
        paid.paymentAttempt += 1
        paid.updatedAt = held.updatedAt.addingTimeInterval(1)
        #expect(OrderRow.columns(of: paid, changedFrom: held).map(\.key) == [.state, .paymentAttempt, .updatedAtMs])
        #expect(OrderRow.columns(of: held, changedFrom: held).isEmpty)
        #expect(OrderRow.columns(of: held).count == OrderRow.CodingKeys.allCases.count)
    }
}
