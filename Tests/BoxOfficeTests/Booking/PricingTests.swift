import Booking
import Catalog
import Payments
import Testing

@Suite("Prices, fees and cancellation terms in integer minor units", .timeLimit(.minutes(1)))
struct PricingTests {
    @Test func linesGroupSeatsByCategoryAndFeesRoundHalfUp() {
        let seats = [
            OrderSeat(index: 0, label: "A1", category: "premium", priceMinor: 40_000),
            OrderSeat(index: 1, label: "A2", category: "standard", priceMinor: 25_001),
            OrderSeat(index: 2, label: "A3", category: "premium", priceMinor: 40_000),
        ]
        let price = PriceBreakdown(seats: seats, currency: "INR",
                                   rules: PricingRules(bookingFeeBasisPoints: 250, feeTaxBasisPoints: 1_800))
        #expect(price.lines.map(\.category) == ["premium", "standard"])
        #expect(price.lines.map(\.seats) == [2, 1])
        #expect(price.subtotalMinor == 105_001)
        // 2.5 % of each seat: 1,000 + 625.025 → 625 + 1,000.
        #expect(price.bookingFeeMinor == 2_625)
        // 18 % of the fee: 472.5 → 473.
        #expect(price.taxMinor == 473)
        #expect(price.totalMinor == 105_001 + 2_625 + 473)
        #expect(price.total == Money(108_099, "INR"))
    }

    @Test func cancellationClosesAtTheCutoffAndKeepsTheFee() {
        let policy = CancellationPolicy(cutoffMinutes: 120, feeBasisPoints: 1_000)
        let startsAt: Int64 = 10_000_000_000
        let open = policy.terms(captured: 50_001, startsAtMs: startsAt, nowMs: startsAt - 120 * 60_000)
        #expect(open?.feeMinor == 5_000 && open?.refundMinor == 45_001)
        #expect(policy.terms(captured: 50_001, startsAtMs: startsAt, nowMs: startsAt - 120 * 60_000 + 1) == nil)
        let free = CancellationPolicy(cutoffMinutes: 0, feeBasisPoints: 0).terms(captured: 700, startsAtMs: startsAt, nowMs: startsAt)
        #expect(free?.refundMinor == 700)
    }
}
