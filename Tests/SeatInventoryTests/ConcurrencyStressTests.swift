import Foundation
import SeatInventory
import Synchronization
import SeatTestSupport
import Testing

@Suite(.timeLimit(.minutes(5))) struct ConcurrencyStressTests {
    /// Eight threads hold, best-available, confirm, release, extend and cancel on three hot shows
    /// while one of them moves the clock and sweeps expired holds. Afterwards: no violated
    /// invariant (no seat in two reservations, taken ⇔ reserved or blocked, sold ⇔ booked), every
    /// acknowledged booking still present with its seats, and counts that add up.
    @Test(arguments: randomizedSeeds(fixed: 2))
    func eightThreadsOnHotShowsKeepEveryInvariant(seed: UInt64) async throws {
        let context = Comment(rawValue: "seed \(seed) (replay with SEAT_TEST_SEED=\(seed))")
        let engine = Fixtures.engine(shards: 2, reservationsPerShard: 8192, seatsPerReservation: 8)
        let shows = try (0..<3).map { index in
            try engine.createShow(
                layout: Fixtures.cinema,
                rules: ShowRules(forbidsSingleSeatGaps: index != 1, seatsPerHoldMax: 6, holdLifetimeMax: .seconds(60)))
        }
        let clock = ManualClock(startingAt: 1_000)
        let ledger = Locked<[BookingID: [SeatIndex]]>([:])
        let operations = SharedCounter()
        let deadline = ContinuousClock.now + .seconds(2)

        await runOnThreads(8) { thread in
            var random = SeededGenerator(seed: seed &+ UInt64(thread))
            var myHolds: [HoldID] = []
            var myBookings: [BookingID: [SeatIndex]] = [:]
            var cancelled: [BookingID] = []
            for step in 0..<40_000 {
                if step % 256 == 0, ContinuousClock.now > deadline { break }
                operations.add(1)
                let show = shows.randomElement(using: &random)!
                switch Int.random(in: 0..<100, using: &random) {
                case 0..<30:
                    let anchor = Int.random(in: 0..<Fixtures.cinema.seatCount, using: &random)
                    let seats = Set((0..<Int.random(in: 1...4, using: &random)).map { _ in
                        SeatIndex(min(Fixtures.cinema.seatCount - 1, anchor + Int.random(in: 0...4, using: &random)))
                    })
                    if let hold = try? engine.holdSeats(Array(seats), in: show, for: .seconds(5), at: clock.now) {
                        myHolds.append(hold.id)
                    }
                case 30..<45:
                    let request = BestAvailableRequest(count: Int.random(in: 1...4, using: &random))
                    if let block = try? engine.holdBestAvailable(request, in: show, for: .seconds(5), at: clock.now) {
                        myHolds.append(block.hold.id)
                    }
                case 45..<75 where !myHolds.isEmpty:
                    let hold = myHolds.remove(at: Int.random(in: 0..<myHolds.count, using: &random))
                    // Read the seats first: once confirmed, the hold id no longer describes them.
                    guard let seats = try? engine.reservation(hold, at: clock.now).seats,
                        let booking = try? engine.confirm(hold, at: clock.now)
                    else { continue }
                    myBookings[booking] = seats
                case 75..<85 where !myHolds.isEmpty:
                    let hold = myHolds.remove(at: Int.random(in: 0..<myHolds.count, using: &random))
                    try? engine.release(hold, at: clock.now)
                case 85..<90 where !myHolds.isEmpty:
                    _ = try? engine.extend(myHolds.randomElement(using: &random)!, by: .seconds(10), at: clock.now)
                case 90..<95 where !myBookings.isEmpty:
                    let booking = myBookings.keys.randomElement(using: &random)!
                    if (try? engine.cancel(booking, at: clock.now)) != nil {
                        myBookings[booking] = nil
                        cancelled.append(booking)
                    }
                default:
                    if thread == 0 {
                        clock.advance(by: UInt64.random(in: 0...500, using: &random))
                        engine.expireHolds(at: clock.now)
                    }
                }
            }
            ledger.withLock { $0.merge(myBookings) { first, _ in first } }
        }

        #expect(operations.value > 1_000, context)
        #expect(engine.invariantViolations() == [], context)
        let bookings = ledger.withLock { $0 }
        #expect(!bookings.isEmpty, "the stress run confirmed nothing; it tested nothing. \(context)")
        var soldByShow: [ShowID: Int] = [:]
        for (booking, seats) in bookings {
            let info = try engine.reservation(booking)
            #expect(info.seats == seats.sorted(), context)
            #expect(info.status == .booked, context)
            soldByShow[info.show, default: 0] += seats.count
        }
        for show in shows {
            let availability = try engine.availability(of: show)
            #expect(availability.counts.sold == soldByShow[show, default: 0], context)
            #expect(availability.counts.total == Fixtures.cinema.seatCount, context)
        }
    }

    /// Many threads race for the same seats, round after round: each round exactly one wins.
    @Test func exactlyOneOfManyRacersWinsEachSeat() async throws {
        let engine = Fixtures.engine(reservationsPerShard: 1024)
        let show = try engine.createShow(layout: Fixtures.stadium, rules: ShowRules(forbidsSingleSeatGaps: false))
        let rounds = 200
        let winners = Locked<[Int]>(Array(repeating: 0, count: rounds))
        await runOnThreads(8) { thread in
            for round in 0..<rounds {
                // Every thread asks for the same pair in this round, in its own order.
                let pair = [SeatIndex(round * 2), SeatIndex(round * 2 + 1)]
                let seats = thread % 2 == 0 ? pair : pair.reversed()
                if (try? engine.holdSeats(seats, in: show, for: .seconds(60), at: .at(0))) != nil {
                    winners.withLock { $0[round] += 1 }
                }
            }
        }
        #expect(winners.withLock { $0 } == Array(repeating: 1, count: rounds))
        #expect(try engine.availability(of: show).counts.held == rounds * 2)
        #expect(engine.invariantViolations() == [])
    }

    /// A confirmation and the expiry sweep race for holds at their deadline: each hold ends
    /// exactly one way, and the seats agree with the way it ended.
    @Test func confirmRacingExpiryHasOneWinner() async throws {
        let engine = Fixtures.engine(reservationsPerShard: 1024)
        let show = try engine.createShow(layout: Fixtures.cinema, rules: ShowRules(forbidsSingleSeatGaps: false))
        let sellable = (0..<Fixtures.cinema.seatCount).map(SeatIndex.init).filter { !Fixtures.cinema.isBlocked($0) }
        let holds = try sellable.map { seat in
            try engine.holdSeats([seat], in: show, for: .milliseconds(10), at: .at(0)).id
        }
        let confirmed = Locked<[HoldID]>([])
        let expiredCount = SharedCounter()
        // The confirmer's clock says the holds are live; the sweeper's says they are due.
        await runOnThreads(2) { thread in
            if thread == 0 {
                for hold in holds {
                    if (try? engine.confirm(hold, at: .at(5))) != nil { confirmed.withLock { $0.append(hold) } }
                }
            } else {
                for _ in 0..<50 { expiredCount.add(engine.expireHolds(at: .at(10))) }
            }
        }
        let confirmedCount = confirmed.withLock { $0.count }
        #expect(confirmedCount + expiredCount.value == holds.count)
        let availability = try engine.availability(of: show)
        #expect(availability.counts.sold == confirmedCount)
        #expect(availability.counts.held == 0)
        #expect(engine.invariantViolations() == [])
    }
}
