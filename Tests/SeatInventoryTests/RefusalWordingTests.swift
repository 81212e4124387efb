import SeatInventory
import Testing

/// Refusals worded for the show they concern: seats by label, limits with numbers, choices named.
@Suite struct RefusalWordingTests {
    let layout = Fixtures.cinema
    let context = RefusalContext(
        layout: Fixtures.cinema, rules: ShowRules(seatsPerHoldMax: 10), requestedSeats: 12)

    func seat(_ label: String) -> SeatIndex { layout.seat(labelled: label)! }

    @Test func seatsAreNamedByTheirLabels() {
        #expect(InventoryError.seatUnavailable(seat("C5"), .sold).message(in: context) == "C5 is sold")
        #expect(InventoryError.seatUnavailable(seat("F13"), .blocked).message(in: context) == "F13 is blocked")
        #expect(InventoryError.ruleViolated(.noSingleSeatGap, seat: seat("B2")).message(in: context) == "B2 would be left a single seat")
        #expect(InventoryError.ruleViolated(.distancing, seat: seat("D4")).message(in: context) == "D4 is kept empty for distancing")
        #expect(InventoryError.duplicateSeat(seat("A1")).message(in: context) == "A1 is requested twice")
        #expect(
            InventoryError.unknownSeat(SeatIndex(9999)).message(in: context)
                == "seat #9999 is not in the layout (seats #0 to #\(layout.seatCount - 1))")
    }

    @Test func limitsAndChoicesAreSpelledOut() {
        #expect(InventoryError.ruleViolated(.seatsPerHold, seat: nil).message(in: context) == "12 seats is over this show's limit of 10")
        #expect(InventoryError.unknownCategory("vip").message(in: context) == "unknown category \"vip\"; this show has standard, premium")
        #expect(InventoryError.unknownSection("balcony").message(in: context) == "unknown section \"balcony\"; this show has stalls")
    }

    /// Without the show's layout and rules (in the engine's own descriptions), seats by index.
    @Test func withoutAContextSeatsAreIndices() {
        #expect(InventoryError.seatUnavailable(SeatIndex(17), .held).description == "seat #17 is held")
        #expect(InventoryError.ruleViolated(.seatsPerHold, seat: nil).description == "more seats than this show's limit per hold")
    }
}
