import SeatInventory
import Testing

@Suite(.timeLimit(.minutes(1))) struct LifecycleTests {
    let engine = Fixtures.engine()
    let show: ShowID
    let seats = [SeatIndex(100), SeatIndex(101)]

    init() throws {
        show = try engine.createShow(
            layout: Fixtures.cinema, rules: ShowRules(forbidsSingleSeatGaps: false, holdLifetimeMax: .seconds(600)))
    }

    func hold(at start: UInt64 = 0, for duration: Duration = .seconds(60)) throws -> HoldID {
        try engine.holdSeats(seats, in: show, for: duration, at: .at(start)).id
    }

    @Test func confirmSellsTheSeatsAndReturnsABooking() throws {
        let booking = try engine.confirm(try hold(), at: .at(1_000))
        #expect(try engine.state(of: seats[0], in: show) == .sold)
        let info = try engine.reservation(booking)
        #expect(info.show == show)
        #expect(info.seats == seats)
        #expect(info.status == .booked)
        #expect(try engine.availability(of: show).counts.sold == 2)
        #expect(try engine.availability(of: show).seats.sold.members == seats)
    }

    @Test func everyLateOrRepeatedActOnAHoldIsRefusedPrecisely() throws {
        let confirmed = try hold()
        let booking = try engine.confirm(confirmed, at: .at(1_000))
        #expect(refusal { try engine.confirm(confirmed, at: .at(1_001)) } == .holdAlreadyConfirmed(confirmed, booking))
        #expect(refusal { try engine.release(confirmed, at: .at(1_001)) } == .holdAlreadyConfirmed(confirmed, booking))
        try engine.cancel(booking, at: .at(2_000))
        #expect(refusal { try engine.cancel(booking, at: .at(2_001)) } == .bookingCancelled(booking))
        #expect(refusal { try engine.confirm(confirmed, at: .at(2_001)) } == .holdBookingCancelled(confirmed, booking))

        let released = try hold(at: 3_000)
        try engine.release(released, at: .at(3_001))
        #expect(refusal { try engine.confirm(released, at: .at(3_002)) } == .holdReleased(released))
        #expect(refusal { try engine.extend(released, by: .seconds(1), at: .at(3_002)) } == .holdReleased(released))
        #expect(try engine.state(of: seats[0], in: show) == .free)
    }

    @Test func aHoldPastItsDeadlineIsExpiredByWhoeverFindsItFirst() throws {
        let late = try hold(for: .seconds(60))
        #expect(refusal { try engine.confirm(late, at: .at(60_000)) } == .holdExpired(late))
        #expect(try engine.state(of: seats[0], in: show) == .free)
        #expect(refusal { try engine.release(late, at: .at(60_001)) } == .holdExpired(late))

        let swept = try hold(at: 100_000, for: .seconds(60))
        #expect(engine.expireHolds(at: .at(159_999)) == 0)
        #expect(engine.expireHolds(at: .at(160_000)) == 1)
        #expect(try engine.state(of: seats[0], in: show) == .free)
        #expect(refusal { try engine.confirm(swept, at: .at(100_001)) } == .holdExpired(swept),
            "once expired, an early clock cannot revive it")
    }

    @Test func extensionIsBoundedByTheHoldLifetime() throws {
        let id = try hold(at: 0, for: .seconds(60))
        #expect(try engine.extend(id, by: .seconds(120), at: .at(30_000)) == .at(150_000))
        #expect(try engine.extend(id, by: .seconds(10), at: .at(40_000)) == .at(150_000), "never shortened")
        #expect(try engine.extend(id, by: .seconds(3_600), at: .at(100_000)) == .at(600_000), "capped at the lifetime")
        #expect(refusal { try engine.extend(id, by: .seconds(60), at: .at(200_000)) }
            == .holdLifetimeExhausted(id, deadline: .at(600_000)))
        #expect(try engine.confirm(id, at: .at(599_999)) == BookingID(rawValue: id.rawValue | 1 << 63))
    }

    @Test func aStaleIdNeverTouchesTheSlotsNextHold() throws {
        let small = Fixtures.engine(shards: 1, reservationsPerShard: 1)
        let tiny = try small.createShow(layout: Fixtures.cinema, rules: ShowRules(forbidsSingleSeatGaps: false))
        let old = try small.holdSeats([SeatIndex(1)], in: tiny, for: .seconds(60), at: .at(0)).id
        try small.release(old, at: .at(1))
        let new = try small.holdSeats([SeatIndex(2)], in: tiny, for: .seconds(60), at: .at(2)).id
        #expect(new.reservation.slot == old.reservation.slot)
        #expect(new.reservation.generation == old.reservation.generation + 1)
        #expect(refusal { try small.confirm(old, at: .at(3)) } == .holdSuperseded(old))
        #expect(refusal { try small.release(old, at: .at(3)) } == .holdSuperseded(old))
        let staleBooking = BookingID(rawValue: old.rawValue | 1 << 63)!
        #expect(refusal { try small.cancel(staleBooking, at: .at(3)) } == .bookingSuperseded(staleBooking))
        #expect(try small.state(of: SeatIndex(2), in: tiny) == .held)
        // The slot's next occupant ending as a cancelled booking says nothing of the old id.
        let newBooking = try small.confirm(new, at: .at(4))
        try small.cancel(newBooking, at: .at(5))
        #expect(refusal { try small.reservation(newBooking) } == .bookingCancelled(newBooking))
        #expect(refusal { try small.reservation(staleBooking) } == .bookingSuperseded(staleBooking))
    }

    /// Claims go round the table, and an engine loaded from an image goes on where the last one
    /// stood rather than reusing the first slots again (which would spend their generations).
    @Test func aLoadedEngineGoesOnRoundTheTable() throws {
        let first = Fixtures.engine(shards: 1, reservationsPerShard: 8)
        let tiny = try first.createShow(layout: Fixtures.cinema, rules: ShowRules(forbidsSingleSeatGaps: false))
        for seat in 0..<3 {
            let hold = try first.holdSeats([SeatIndex(seat)], in: tiny, for: .seconds(60), at: .at(0)).id
            #expect(hold.reservation.slot == seat)
            try first.release(hold, at: .at(1))
        }
        let image = first.image()
        #expect(image.claimCursors == [3])
        let second = Fixtures.engine(shards: 1, reservationsPerShard: 8)
        try second.load(image)
        #expect(try second.holdSeats([SeatIndex(9)], in: tiny, for: .seconds(60), at: .at(2)).id.reservation.slot == 3)
    }

    /// An id whose generation the slot has not reached was never handed out (mistyped, or lost
    /// with a damaged journal): unknown, not superseded.
    @Test func anIdAheadOfItsSlotIsUnknownNotSuperseded() throws {
        let small = Fixtures.engine(shards: 1, reservationsPerShard: 1)
        let tiny = try small.createShow(layout: Fixtures.cinema, rules: ShowRules(forbidsSingleSeatGaps: false))
        let current = try small.holdSeats([SeatIndex(1)], in: tiny, for: .seconds(60), at: .at(0)).id
        let ahead = HoldID(rawValue: current.rawValue + 1)!
        #expect(refusal { try small.confirm(ahead, at: .at(1)) } == .unknownHold(ahead))
        #expect(refusal { try small.reservation(ahead, at: .at(1)) } == .unknownHold(ahead))
        let aheadBooking = BookingID(rawValue: ahead.rawValue | 1 << 63)!
        #expect(refusal { try small.reservation(aheadBooking) } == .unknownBooking(aheadBooking))
        // Half the generation circle ahead counts as behind: ended long ago, superseded.
        let farBehind = HoldID(rawValue: current.rawValue + UInt64(InventoryLimits.generationsPerSlot / 2))!
        #expect(refusal { try small.confirm(farBehind, at: .at(1)) } == .holdSuperseded(farBehind))
        #expect(try small.state(of: SeatIndex(1), in: tiny) == .held, "the live hold is untouched")
    }

    @Test func timestampsStayWithinWhatADeadlineCanHold() {
        #expect(Timestamp(milliseconds: .max).milliseconds == InventoryLimits.timestampMillisecondsMax)
        #expect(Timestamp.at(1_000).advanced(by: .milliseconds(-5)) == .at(1_000), "negative durations add nothing")
        #expect(Timestamp.at(1_000).advanced(by: .microseconds(1)) == .at(1_001), "rounded up to whole milliseconds")
    }

    @Test func idsThatNameNothingAreRefused() throws {
        #expect(HoldID(rawValue: 1 << 60) == nil, "reserved bits set")
        #expect(HoldID(rawValue: 1 << 63) == nil, "a booking id is not a hold id")
        let beyondShards = HoldID(rawValue: 7 << 46)!
        #expect(refusal { try engine.confirm(beyondShards, at: .at(0)) } == .unknownHold(beyondShards))
        let neverUsed = HoldID(rawValue: 5 << 22 | 1)!
        #expect(refusal { try engine.confirm(neverUsed, at: .at(0)) } == .unknownHold(neverUsed))
        let notBooked = try hold()
        let asBooking = BookingID(rawValue: notBooked.rawValue | 1 << 63)!
        #expect(refusal { try engine.cancel(asBooking, at: .at(1)) } == .unknownBooking(asBooking))
    }
}
