import SeatInventory
import SeatTestSupport
import Testing

/// A show's map version moves with every change of its seats or its cancellation, refused holds
/// that touched seats included, and with nothing else: SEAT_MAP's "unchanged" rests on it.
@Suite(.timeLimit(.minutes(1))) struct MapVersionTests {
    @Test func everyChangeOfTheMapMovesTheVersionAndNothingElseDoes() throws {
        let engine = Fixtures.engine()
        let show = try engine.createShow(layout: Fixtures.cinema)
        var last = try engine.mapVersion(of: show)
        func moved() throws -> Bool {
            let now = try engine.mapVersion(of: show)
            defer { last = now }
            return now != last
        }
        let hold = try engine.holdSeats(Fixtures.seats("C1", "C2"), in: show, for: .seconds(60), at: .at(0))
        #expect(try moved(), "a hold")
        _ = try engine.extend(hold.id, by: .seconds(30), at: .at(1))
        #expect(try !moved(), "an extension changes no seat")
        _ = try engine.availability(of: show)
        _ = try engine.reservation(hold.id, at: .at(2))
        #expect(try !moved(), "reads")
        // C2 is taken: C3 was set for a moment and rolled back, which a reader may have seen.
        #expect(refusal { try engine.holdSeats(Fixtures.seats("C2", "C3"), in: show, for: .seconds(60), at: .at(3)) } != nil)
        #expect(try moved(), "a refused hold that touched seats")
        #expect(refusal { try engine.holdSeats([SeatIndex(9_999)], in: show, for: .seconds(60), at: .at(4)) } != nil)
        #expect(try !moved(), "a refusal before any seat was touched")
        let booking = try engine.confirm(hold.id, at: .at(5))
        #expect(try moved(), "a confirmation")
        try engine.cancel(booking, at: .at(6))
        #expect(try moved(), "a cancelled booking")
        let released = try engine.holdSeats(Fixtures.seats("D1"), in: show, for: .seconds(60), at: .at(7))
        #expect(try moved())
        try engine.release(released.id, at: .at(8))
        #expect(try moved(), "a release")
        _ = try engine.holdSeats(Fixtures.seats("E1"), in: show, for: .seconds(1), at: .at(9))
        #expect(try moved())
        #expect(engine.expireHolds(at: .at(5_000)) == 1)
        #expect(try moved(), "an expiry")
        #expect(try engine.availability(of: show).version == last, "a map read while nothing changes carries the version")
        try engine.cancelShow(show)
        #expect(try moved(), "the show's cancellation")
        #expect(refusal { try engine.mapVersion(of: ShowID(rawValue: 63)) } == .unknownShow(ShowID(rawValue: 63)))
    }

    @Test func anotherShowsChangesLeaveTheVersionAlone() throws {
        let engine = Fixtures.engine()
        let show = try engine.createShow(layout: Fixtures.cinema)
        let other = try engine.createShow(layout: Fixtures.cinema)
        let before = try engine.mapVersion(of: show)
        _ = try engine.holdSeats(Fixtures.seats("C1"), in: other, for: .seconds(60), at: .at(0))
        #expect(try engine.mapVersion(of: show) == before)
    }
}
