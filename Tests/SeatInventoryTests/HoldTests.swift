import SeatInventory
import Testing

@Suite(.timeLimit(.minutes(1))) struct HoldTests {
    let engine = Fixtures.engine()
    let show: ShowID
    let now = Timestamp.at(10_000)

    init() throws {
        show = try engine.createShow(layout: Fixtures.cinema, rules: ShowRules(seatsPerHoldMax: 6))
    }

    func seats(_ labels: String...) -> [SeatIndex] { labels.map { Fixtures.cinema.seat(labelled: $0)! } }

    @Test func holdTakesEverySeatUntilItsDeadline() throws {
        let hold = try engine.holdSeats(seats("H12", "H13", "H14"), in: show, for: .seconds(300), at: now)
        #expect(hold.show == show)
        #expect(hold.deadline == .at(310_000))
        #expect(try engine.state(of: seats("H13")[0], in: show) == .held)
        let info = try engine.reservation(hold.id, at: now)
        #expect(info.seats == seats("H12", "H13", "H14"))
        #expect(info.status == .held(deadline: .at(310_000)))
        #expect(try engine.availability(of: show).counts.held == 3)
    }

    @Test func holdDurationIsCappedByTheShowsHoldLifetime() throws {
        let hold = try engine.holdSeats(seats("H12"), in: show, for: .seconds(3600), at: now)
        #expect(hold.deadline == .at(10_000 + 20 * 60 * 1000))
    }

    @Test func aSixSeatHoldThatFailsOnOneSeatNamesItAndTakesNothing() throws {
        _ = try engine.holdSeats(seats("D10", "D11"), in: show, for: .seconds(60), at: now)
        let request = seats("D8", "D9", "D10", "D11", "D12", "D13")
        #expect(refusal { try engine.holdSeats(request, in: show, for: .seconds(60), at: now) }
            == .seatUnavailable(seats("D10")[0], .held))
        #expect(try engine.state(of: seats("D8")[0], in: show) == .free, "all or nothing: D8 was rolled back")
        #expect(try engine.availability(of: show).counts.held == 2)
    }

    @Test func soldAndBlockedSeatsAreNamed() throws {
        let hold = try engine.holdSeats(seats("C1", "C2"), in: show, for: .seconds(60), at: now)
        _ = try engine.confirm(hold.id, at: now)
        #expect(refusal { try engine.holdSeats(seats("C2"), in: show, for: .seconds(60), at: now) }
            == .seatUnavailable(seats("C2")[0], .sold))
        #expect(refusal { try engine.holdSeats(seats("F12", "F13", "F14"), in: show, for: .seconds(60), at: now) }
            == .seatUnavailable(seats("F13")[0], .blocked))
    }

    @Test func malformedRequestsAreRefusedPrecisely() throws {
        #expect(refusal { try engine.holdSeats([], in: show, for: .seconds(60), at: now) } == .noSeatsRequested)
        #expect(refusal { try engine.holdSeats([SeatIndex(5), SeatIndex(300)], in: show, for: .seconds(60), at: now) }
            == .unknownSeat(SeatIndex(300)))
        #expect(refusal { try engine.holdSeats(seats("B5", "B6", "B5"), in: show, for: .seconds(60), at: now) }
            == .duplicateSeat(seats("B5")[0]))
        let seven = seats("K1", "K2", "K3", "K4", "K5", "K6", "K7")
        #expect(refusal { try engine.holdSeats(seven, in: show, for: .seconds(60), at: now) }
            == .ruleViolated(.seatsPerHold, seat: nil))
        #expect(refusal { try engine.holdSeats(seats("B5"), in: ShowID(rawValue: 9), for: .seconds(60), at: now) }
            == .unknownShow(ShowID(rawValue: 9)))
        #expect(try engine.availability(of: show).counts.held == 0)
    }

    @Test func aHoldMayNotStrandASingleSeat() throws {
        // B1 would sit alone between the row's end and B2.
        #expect(refusal { try engine.holdSeats(seats("B2", "B3"), in: show, for: .seconds(60), at: now) }
            == .ruleViolated(.noSingleSeatGap, seat: seats("B1")[0]))
        // A gap of one between two seats of the same hold.
        #expect(refusal { try engine.holdSeats(seats("B10", "B12"), in: show, for: .seconds(60), at: now) }
            == .ruleViolated(.noSingleSeatGap, seat: seats("B11")[0]))
        // B7 is the first seat after an aisle, so taking B8 strands it.
        #expect(refusal { try engine.holdSeats(seats("B8", "B9"), in: show, for: .seconds(60), at: now) }
            == .ruleViolated(.noSingleSeatGap, seat: seats("B7")[0]))
        // Next to the aisle: B6 is the last seat of its block, so taking B5 strands it.
        #expect(refusal { try engine.holdSeats(seats("B4", "B5"), in: show, for: .seconds(60), at: now) }
            == .ruleViolated(.noSingleSeatGap, seat: seats("B6")[0]))
        _ = try engine.holdSeats(seats("B1", "B2"), in: show, for: .seconds(60), at: now)
        #expect(try engine.availability(of: show).counts.held == 2)
    }

    @Test func theGapRuleCanBeSwitchedOff() throws {
        let relaxed = try engine.createShow(layout: Fixtures.cinema, rules: ShowRules(forbidsSingleSeatGaps: false))
        _ = try engine.holdSeats(seats("B2", "B3"), in: relaxed, for: .seconds(60), at: now)
    }

    @Test func theDistancingMaskKeepsItsSeatsEmpty() throws {
        let masked = try engine.createShow(
            layout: Fixtures.cinema,
            rules: ShowRules(forbidsSingleSeatGaps: false, distancingMask: seats("E5", "E6")))
        #expect(refusal { try engine.holdSeats(seats("E4", "E5"), in: masked, for: .seconds(60), at: now) }
            == .ruleViolated(.distancing, seat: seats("E5")[0]))
        #expect(try engine.state(of: seats("E6")[0], in: masked) == .blocked)
        #expect(try engine.availability(of: masked).counts.blocked == 3)
    }

    @Test func aCancelledShowSellsNothing() throws {
        let hold = try engine.holdSeats(seats("G1", "G2"), in: show, for: .seconds(60), at: now)
        try engine.cancelShow(show)
        #expect(refusal { try engine.holdSeats(seats("H1", "H2"), in: show, for: .seconds(60), at: now) } == .showCancelled(show))
        #expect(refusal { try engine.confirm(hold.id, at: now) } == .showCancelled(show))
        #expect(try engine.availability(of: show).isCancelled)
        try engine.release(hold.id, at: now)
    }

    @Test func theLargestHoldGoesThroughItsWholeLife() throws {
        let large = Fixtures.engine(seatsPerReservation: InventoryLimits.seatsPerHoldMax)
        let rules = ShowRules(forbidsSingleSeatGaps: false, seatsPerHoldMax: InventoryLimits.seatsPerHoldMax)
        let stadium = try large.createShow(layout: Fixtures.stadium, rules: rules)
        let seats = (0..<InventoryLimits.seatsPerHoldMax).reversed().map { SeatIndex($0 * 3) }
        let hold = try large.holdSeats(seats, in: stadium, for: .seconds(60), at: now)
        #expect(try large.reservation(hold.id, at: now).seats == seats.sorted())
        let booking = try large.confirm(hold.id, at: now)
        #expect(try large.availability(of: stadium).counts.sold == seats.count)
        try large.cancel(booking, at: now)
        #expect(try large.availability(of: stadium).counts.free == 100_000)
        let oneTooMany = seats + [SeatIndex(1)]
        #expect(refusal { try large.holdSeats(oneTooMany, in: stadium, for: .seconds(60), at: now) }
            == .ruleViolated(.seatsPerHold, seat: nil))
    }

    @Test func aFullReservationTableRefusesWithoutTouchingSeats() throws {
        let small = Fixtures.engine(shards: 1, reservationsPerShard: 2)
        let tiny = try small.createShow(layout: Fixtures.cinema, rules: ShowRules(forbidsSingleSeatGaps: false))
        _ = try small.holdSeats([SeatIndex(0)], in: tiny, for: .seconds(60), at: now)
        _ = try small.holdSeats([SeatIndex(1)], in: tiny, for: .seconds(60), at: now)
        #expect(refusal { try small.holdSeats([SeatIndex(2)], in: tiny, for: .seconds(60), at: now) }
            == .reservationTableFull(shard: 0, capacity: 2))
        #expect(try small.state(of: SeatIndex(2), in: tiny) == .free)
    }
}
