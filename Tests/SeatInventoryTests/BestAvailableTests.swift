import SeatInventory
import Testing

@Suite(.timeLimit(.minutes(1))) struct BestAvailableTests {
    let engine = Fixtures.engine(reservationsPerShard: 60_000)
    let now = Timestamp.at(0)

    func labels(_ block: BlockHold, in layout: SeatLayout = Fixtures.cinema) -> [String] {
        block.seatIndices.map(layout.label(of:))
    }

    @Test func cinemaFillsFromTheSweetSpotOutwards() throws {
        let show = try engine.createShow(layout: Fixtures.cinema)
        let first = try engine.holdBestAvailable(BestAvailableRequest(count: 4), in: show, for: .seconds(60), at: now)
        #expect(labels(first) == ["H12", "H13", "H14", "H15"] || labels(first) == ["H11", "H12", "H13", "H14"])
        #expect(first.seats.count == 4)
        let second = try engine.holdBestAvailable(BestAvailableRequest(count: 2), in: show, for: .seconds(60), at: now)
        #expect(Set(labels(second)).isDisjoint(with: labels(first)))
        #expect(labels(second).allSatisfy { $0.hasPrefix("H") || $0.hasPrefix("G") || $0.hasPrefix("I") })
    }

    @Test func blocksNeverCrossAnAisleAndNeverStrandASeat() throws {
        let show = try engine.createShow(layout: Fixtures.cinema)
        var taken = 0
        while let block = try? engine.holdBestAvailable(BestAvailableRequest(count: 2), in: show, for: .seconds(60), at: now) {
            let layout = Fixtures.cinema
            let (left, right) = (block.seatIndices[0], block.seatIndices[1])
            #expect(layout.row(of: left) == layout.row(of: right))
            #expect(layout.position(of: right).x == layout.position(of: left).x + 1)
            taken += 2
        }
        // Every block of the 6- and 13-seat blocks leaves 0 or 1 seat over: the odd ones stay free.
        let availability = try engine.availability(of: show)
        #expect(availability.counts.held == taken)
        #expect(taken > 250)
        #expect(engine.invariantViolations() == [])
    }

    @Test func filtersByCategorySectionAndAccessibility() throws {
        let show = try engine.createShow(layout: Fixtures.cinema)
        let premium = try engine.holdBestAvailable(BestAvailableRequest(count: 3, category: "premium"), in: show, for: .seconds(60), at: now)
        #expect(premium.seatIndices.allSatisfy { Fixtures.cinema.category(of: $0) == 1 })
        let wheelchair = try engine.holdBestAvailable(BestAvailableRequest(count: 2, accessible: true), in: show, for: .seconds(60), at: now)
        #expect(labels(wheelchair) == ["A2", "A3"] || labels(wheelchair) == ["A1", "A2"])
        let general = try engine.holdBestAvailable(BestAvailableRequest(count: 6, section: "stalls"), in: show, for: .seconds(60), at: now)
        #expect(general.seatIndices.allSatisfy { !Fixtures.cinema.isAccessible($0) && !Fixtures.cinema.isCompanion($0) })
    }

    @Test func shortfallsSayWhy() throws {
        let show = try engine.createShow(
            layout: Fixtures.cinema, rules: ShowRules(forbidsSingleSeatGaps: false, seatsPerHoldMax: 10))
        func attempt(_ request: BestAvailableRequest) -> InventoryError? {
            refusal { try engine.holdBestAvailable(request, in: show, for: .seconds(60), at: now) }
        }
        #expect(attempt(BestAvailableRequest(count: 2, category: "balcony")) == .unknownCategory("balcony"))
        #expect(attempt(BestAvailableRequest(count: 2, section: "circle")) == .unknownSection("circle"))
        #expect(attempt(BestAvailableRequest(count: 11)) == .ruleViolated(.seatsPerHold, seat: nil))
        #expect(attempt(BestAvailableRequest(count: 0)) == .noSeatsRequested)
        #expect(attempt(BestAvailableRequest(count: 3, category: "premium", accessible: true)) == .noBlockAvailable(.noMatchingSeats))
        #expect(attempt(BestAvailableRequest(count: 4, accessible: true)) == .noBlockAvailable(.notEnoughFreeSeats(free: 3)))
        // Row A's wheelchair spaces: take A2 so that A1 and A3 are apart.
        _ = try engine.holdSeats([Fixtures.cinema.seat(labelled: "A2")!], in: show, for: .seconds(60), at: now)
        #expect(attempt(BestAvailableRequest(count: 2, accessible: true)) == .noBlockAvailable(.noAdjacentBlock(largestBlock: 1)))
    }

    @Test func everyRemainingBlockWouldStrandASeat() throws {
        let show = try engine.createShow(layout: Fixtures.cinema, rules: ShowRules(seatsPerHoldMax: 13))
        // Leave only the left block of row L (L1–L6) free in premium, holding whole aisle-to-aisle
        // blocks so that the set-up itself strands nothing.
        let blocks = [0..<6, 6..<19, 19..<25]
        for row in Fixtures.cinema.rows[8..<12] {
            for block in blocks where !(row.label == "L" && block == 0..<6) {
                let seats = block.map { SeatIndex(row.seats.lowerBound + $0) }
                _ = try engine.holdSeats(seats, in: show, for: .seconds(60), at: now)
            }
        }
        // Five of six adjacent seats always leave one over.
        #expect(refusal { try engine.holdBestAvailable(BestAvailableRequest(count: 5, category: "premium"), in: show, for: .seconds(60), at: now) }
            == .noBlockAvailable(.everyBlockLeavesSingleSeat))
        let four = try engine.holdBestAvailable(BestAvailableRequest(count: 4, category: "premium"), in: show, for: .seconds(60), at: now)
        #expect(labels(four) == ["L1", "L2", "L3", "L4"] || labels(four) == ["L3", "L4", "L5", "L6"])
    }

    @Test func stadiumSellsBlocksAcrossOneHundredThousandSeats() throws {
        let stadium = Fixtures.stadium
        let show = try engine.createShow(layout: stadium, rules: ShowRules(seatsPerHoldMax: 8))
        var held = 0
        for _ in 0..<500 {
            let block = try engine.holdBestAvailable(BestAvailableRequest(count: 4, section: "N"), in: show, for: .seconds(60), at: now)
            #expect(block.seatIndices.allSatisfy { stadium.rows[stadium.row(of: $0)].section == 0 })
            held += 4
        }
        let upper = try engine.holdBestAvailable(BestAvailableRequest(count: 8, category: "upper"), in: show, for: .seconds(60), at: now)
        #expect(upper.seatIndices.allSatisfy { stadium.category(of: $0) == 1 })
        let availability = try engine.availability(of: show)
        #expect(availability.counts.held == held + 8)
        #expect(availability.counts.free == 100_000 - held - 8)
        #expect(availability.countsByCategory[0].held + availability.countsByCategory[1].held == held + 8)
        #expect(engine.invariantViolations() == [])
    }
}
