import SeatInventory
import Testing

/// The engine counts each change once, when it happens, whatever repeated the request.
@Suite struct ActivityCountTests {
    let engine = Fixtures.engine()
    let show: ShowID
    let now = Timestamp(milliseconds: 1_000_000)

    init() throws {
        show = try engine.createShow(layout: Fixtures.cinema, rules: ShowRules(forbidsSingleSeatGaps: false))
    }

    func counts() -> [InventoryActivity: Int] {
        Dictionary(uniqueKeysWithValues: InventoryActivity.allCases.map { ($0, engine.count(of: $0)) })
    }

    @Test func anIdempotentRepeatIsNotCountedAgain() throws {
        let key = IdempotencyKey(high: 1, low: 2)
        let hold = try engine.holdSeats(Fixtures.seats("C1", "C2"), in: show, for: .seconds(60), at: now, idempotencyKey: key)
        let again = try engine.holdSeats(Fixtures.seats("C1", "C2"), in: show, for: .seconds(60), at: now, idempotencyKey: key)
        #expect(again == hold)
        let confirmKey = IdempotencyKey(high: 3, low: 4)
        _ = try engine.confirm(hold.id, at: now, idempotencyKey: confirmKey)
        _ = try engine.confirm(hold.id, at: now, idempotencyKey: confirmKey)
        #expect(counts()[.holds] == 1 && counts()[.confirmations] == 1)
    }

    @Test func eachEndingIsCountedAsWhatItWas() throws {
        let released = try engine.holdSeats(Fixtures.seats("D1"), in: show, for: .seconds(60), at: now)
        try engine.release(released.id, at: now)
        let rolledBack = try engine.holdSeats(Fixtures.seats("D2"), in: show, for: .seconds(60), at: now)
        try engine.rollBack(rolledBack.id, at: now)
        let extended = try engine.holdSeats(Fixtures.seats("D3"), in: show, for: .seconds(60), at: now)
        _ = try engine.extend(extended.id, by: .seconds(120), at: now)
        _ = try engine.extend(extended.id, by: .seconds(10), at: now)  // would shorten it: no change
        // Found late by a confirmation, not by the sweep.
        #expect(throws: InventoryError.holdExpired(extended.id)) {
            try engine.confirm(extended.id, at: Timestamp(milliseconds: now.milliseconds + 121_000))
        }
        let booked = try engine.holdSeats(Fixtures.seats("D4"), in: show, for: .seconds(60), at: now)
        try engine.cancel(try engine.confirm(booked.id, at: now), at: now)
        _ = try engine.holdSeats(Fixtures.seats("D5"), in: show, for: .seconds(1), at: now)
        #expect(engine.expireHolds(at: Timestamp(milliseconds: now.milliseconds + 2_000)) == 1)
        #expect(
            counts() == [
                .holds: 5, .confirmations: 1, .releases: 1, .extensions: 1, .cancellations: 1, .expiries: 2,
                .rolledBackHolds: 1,
            ])
    }
}
