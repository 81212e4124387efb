@testable import SeatInventory
import Testing

@Suite(.timeLimit(.minutes(1))) struct ConfigurationTests {
    @Test func settingsOutsideTheLimitsAreRefusedAtStart() {
        #expect(throws: ConfigurationError(setting: "shardCount", value: 0, allowed: 1...InventoryLimits.shardsMax)) {
            try InventoryEngine(configuration: InventoryConfiguration(shardCount: 0))
        }
        #expect(throws: ConfigurationError.self) {
            try InventoryEngine(configuration: InventoryConfiguration(shardCount: 1, seatsPerReservationMax: 1_000))
        }
        #expect(throws: ConfigurationError.self) {
            try InventoryEngine(configuration: InventoryConfiguration(shardCount: 1, reservationsPerShard: 1 << 25))
        }
    }

    @Test func theStackSeatBufferHoldsTheLargestHold() {
        #expect(SeatBuffer.count == InventoryLimits.seatsPerHoldMax)
    }

    @Test func showRulesOutsideTheEnginesLimitsAreRefused() throws {
        let engine = Fixtures.engine(showsMax: 2)
        #expect(throws: ShowCreationError.seatsPerHoldOutOfRange(17, allowed: 1...16)) {
            try engine.createShow(layout: Fixtures.cinema, rules: ShowRules(seatsPerHoldMax: 17))
        }
        #expect(throws: ShowCreationError.distancingSeatUnknown(SeatIndex(300))) {
            try engine.createShow(layout: Fixtures.cinema, rules: ShowRules(distancingMask: [SeatIndex(300)]))
        }
        #expect(throws: ShowCreationError.self) {
            try engine.createShow(layout: Fixtures.cinema, rules: ShowRules(holdLifetimeMax: .seconds(0)))
        }
        _ = try engine.createShow(layout: Fixtures.cinema)
        _ = try engine.createShow(layout: Fixtures.cinema)
        #expect(throws: ShowCreationError.showTableFull(capacity: 2)) { try engine.createShow(layout: Fixtures.cinema) }
        #expect(engine.showIDs.count == 2)
    }

    @Test func showsAreSpreadOverShards() throws {
        let engine = Fixtures.engine(shards: 3)
        var shardsUsed = Set<Int>()
        for _ in 0..<6 {
            let show = try engine.createShow(layout: Fixtures.cinema, rules: ShowRules(forbidsSingleSeatGaps: false))
            shardsUsed.insert(try engine.holdSeats([SeatIndex(0)], in: show, for: .seconds(1), at: .at(0)).id.reservation.shard)
        }
        #expect(shardsUsed == [0, 1, 2])
    }

    @Test func theInvariantCheckerCatchesABitmapOutOfStep() throws {
        let engine = Fixtures.engine()
        let show = try engine.createShow(layout: Fixtures.cinema, rules: ShowRules(forbidsSingleSeatGaps: false))
        let hold = try engine.holdSeats([SeatIndex(10)], in: show, for: .seconds(60), at: .at(0))
        #expect(engine.invariantViolations() == [])
        // Corrupt the show behind the engine's back: a seat taken that no reservation holds, and a
        // held seat marked sold.
        let corrupted = try engine.shows.show(show).takeUnretainedValue()
        corrupted.taken.words.setBits(0, 1 << 20)
        corrupted.sold.words.setBits(0, 1 << 10)
        let violations = engine.invariantViolations().map(\.description)
        #expect(violations.count == 2)
        #expect(violations.contains { $0.hasPrefix("seat 20 (A21) of show 0 is taken but not reserved") })
        #expect(violations.contains { $0.hasPrefix("seat 10 (A11) of show 0 is sold but not booked") })
        _ = hold
    }
}
