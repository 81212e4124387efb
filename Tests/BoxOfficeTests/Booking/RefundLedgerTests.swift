@testable import Booking
import BoxOfficeStorage
import Foundation
import Testing

@Suite("The refund ledger never refunds more than was captured", .timeLimit(.minutes(2)))
struct RefundLedgerTests {
    static func entry(_ key: String, _ amount: Int64, status: String = OrderRecords.RefundRow.requested) -> OrderRecords.RefundRow {
        OrderRecords.RefundRow(idempotencyKey: key, orderId: "o1", amountMinor: amount, currency: "INR", reason: "cancellation",
                               providerReference: nil, status: status, createdAtMs: 0, updatedAtMs: 0)
    }

    @Test(arguments: TestEngine.allCases)
    func refundsBeyondTheCaptureAreRefusedAndARepeatedKeyIsTheSameRefund(engine: TestEngine) async throws {
        try await Harness.withDatabase(engine) { database in
            _ = try await database.transaction { session in try await OrderWrite.insert(OrderSagaTests.newOrder()).run(on: session) }
            func record(_ refund: OrderRecords.RefundRow) async throws -> OrderRecords.RefundRow {
                try await database.transaction { session in
                    try await OrderRecords.recordRefund(refund, capturedMinor: 50_000, on: session)
                }
            }
            #expect(try await record(Self.entry("a", 30_000)).amountMinor == 30_000)
            // The same key again is the same refund, whatever amount the repeat names.
            #expect(try await record(Self.entry("a", 45_000)).amountMinor == 30_000)
            await #expect(throws: OrderRecords.RefundExceedsCapture.self) { try await record(Self.entry("b", 20_001)) }
            #expect(try await record(Self.entry("b", 20_000)).amountMinor == 20_000)
            await #expect(throws: OrderRecords.RefundExceedsCapture.self) { try await record(Self.entry("c", 1)) }
            // A refund the provider failed gives its amount back to what may be refunded.
            try await database.transaction { session in
                try await OrderRecords.updateRefund(key: "b", providerReference: "re_1", status: OrderRecords.RefundRow.failed, now: 1, on: session)
            }
            #expect(try await record(Self.entry("c", 20_000)).amountMinor == 20_000)
            let refunds = try await database.withSession { try await OrderRecords.refunds(orderID: "o1", on: $0) }
            #expect(refunds.map(\.idempotencyKey).sorted() == ["a", "b", "c"])
        }
    }
}
