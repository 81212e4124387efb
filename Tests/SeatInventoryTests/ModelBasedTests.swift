import SeatInventory
import SeatSamples
import SeatTestSupport
import Testing

/// The engine and ``ReferenceModel`` run the same random operations and must agree on every
/// result, every seat state and every count.
@Suite(.timeLimit(.minutes(3))) struct ModelBasedTests {
    static let operationsPerSeed = 10_000

    @Test(arguments: randomizedSeeds(fixed: 16))
    func engineAgreesWithReferenceModel(seed: UInt64) throws {
        var run = ModelRun(seed: seed)
        for step in 0..<Self.operationsPerSeed {
            try run.step(step)
            if step % 500 == 499 || step == Self.operationsPerSeed - 1 {
                try run.compareStates(step)
            }
        }
    }
}

struct ModelRun {
    let seed: UInt64
    var random: SeededGenerator
    // No slot is reused within a run (capacity exceeds the holds made), so every refusal the
    // engine gives is as precise as the model's; slot reuse has its own tests.
    let engine = Fixtures.engine(shards: 2, reservationsPerShard: 16_384, seatsPerReservation: 8)
    var model = ReferenceModel()
    var holds: [HoldID] = []
    var modelID: [ReservationID: Int] = [:]
    var now: UInt64 = 1_000

    init(seed: UInt64) {
        self.seed = seed
        random = SeededGenerator(seed: seed)
        let layout = Fixtures.cinema
        let distancing = layout.rows[3..<6].flatMap { $0.seats.filter { $0 % 3 == 0 } }.map(SeatIndex.init)
        let rules = [
            ShowRules(seatsPerHoldMax: 6, holdLifetimeMax: .seconds(120)),
            ShowRules(forbidsSingleSeatGaps: false, seatsPerHoldMax: 8, distancingMask: distancing, holdLifetimeMax: .seconds(120)),
            ShowRules(seatsPerHoldMax: 4, holdLifetimeMax: .seconds(30)),
        ]
        for rule in rules {
            _ = try! engine.createShow(layout: layout, rules: rule)
            model.addShow(layout: layout, rules: rule)
        }
    }

    mutating func step(_ step: Int) throws {
        let context = Comment(rawValue: "seed \(seed) (replay with SEAT_TEST_SEED=\(seed)), step \(step)")
        let show = Int.random(in: 0..<3, using: &random)
        let roll = Int.random(in: 0..<100, using: &random)
        let at = Timestamp(milliseconds: now)
        let expected: ReferenceModel.Outcome
        let actual: ReferenceModel.Outcome
        switch roll {
        case 0..<25:
            let seats = randomSeats()
            let duration = UInt64.random(in: 1...60_000, using: &random)
            expected = model.hold(show: show, seats: seats, duration: duration, now: now)
            actual = outcome {
                () throws(InventoryError) in
                let hold = try engine.holdSeats(
                    seats.map(SeatIndex.init), in: ShowID(rawValue: UInt32(show)), for: .milliseconds(duration), at: at)
                return .hold(register(hold.id), deadline: hold.deadline.milliseconds)
            }
        case 25..<40:
            let request = randomRequest()
            let duration = UInt64.random(in: 1...60_000, using: &random)
            expected = model.holdBestAvailable(show: show, request: request, duration: duration, now: now)
            actual = outcome {
                () throws(InventoryError) in
                let block = try engine.holdBestAvailable(
                    request, in: ShowID(rawValue: UInt32(show)), for: .milliseconds(duration), at: at)
                return .block(register(block.hold.id), deadline: block.hold.deadline.milliseconds, seats: block.seats)
            }
        case 40..<55 where !holds.isEmpty:
            let id = pickReservation()
            expected = model.confirm(id, now: now)
            actual = outcome { () throws(InventoryError) in .booking(modelID[try engine.confirm(holds[id], at: at).reservation]!) }
        case 55..<63 where !holds.isEmpty:
            let id = pickReservation()
            expected = model.release(id, now: now)
            actual = outcome { () throws(InventoryError) in try engine.release(holds[id], at: at); return .done }
        case 63..<71 where !holds.isEmpty:
            let id = pickReservation()
            let duration = UInt64.random(in: 0...90_000, using: &random)
            expected = model.extend(id, by: duration, now: now)
            actual = outcome {
                () throws(InventoryError) in
                .deadline(try engine.extend(holds[id], by: .milliseconds(duration), at: at).milliseconds)
            }
        case 71..<79 where !holds.isEmpty:
            let id = pickReservation()
            let booking = BookingID(rawValue: holds[id].rawValue | 1 << 63)!
            expected = model.cancel(id)
            actual = outcome { () throws(InventoryError) in try engine.cancel(booking, at: at); return .done }
        case 79..<92:
            now += UInt64.random(in: 0...15_000, using: &random)
            return
        case 92..<97:
            expected = .deadline(UInt64(model.expireHolds(now: now)))
            actual = .deadline(UInt64(engine.expireHolds(at: at)))
        case 97 where step > Self.showCancellationStep && !model.shows[2].isCancelled:
            model.shows[2].isCancelled = true
            try engine.cancelShow(ShowID(rawValue: 2))
            return
        default:
            return
        }
        #expect(actual == expected, context)
    }

    static let showCancellationStep = 8_000

    func compareStates(_ step: Int) throws {
        let context = Comment(rawValue: "seed \(seed) (replay with SEAT_TEST_SEED=\(seed)), after step \(step)")
        for (index, show) in model.shows.enumerated() {
            let availability = try engine.availability(of: ShowID(rawValue: UInt32(index)))
            let states = (0..<show.layout.seatCount).map { availability.seats.state(of: SeatIndex($0)) }
            #expect(states == show.states, context)
            #expect(availability.counts.free == show.states.count(where: { $0 == .free }), context)
            #expect(availability.counts.held == show.states.count(where: { $0 == .held }), context)
            #expect(availability.counts.sold == show.states.count(where: { $0 == .sold }), context)
            #expect(availability.counts.total == show.layout.seatCount, context)
        }
        #expect(engine.invariantViolations() == [], context)
    }

    // MARK: Random inputs

    /// A few seats around one spot, so requests collide; now and then a duplicate or a seat
    /// outside the layout.
    mutating func randomSeats() -> [Int] {
        let seatCount = Fixtures.cinema.seatCount
        let anchor = Int.random(in: 0..<seatCount, using: &random)
        let count = Int.random(in: 0...7, using: &random)
        var seats = (0..<count).map { _ in min(seatCount - 1, max(0, anchor + Int.random(in: -3...3, using: &random))) }
        seats = Array(Set(seats)).sorted()
        if Int.random(in: 0..<50, using: &random) == 0, let first = seats.first { seats.append(first) }
        if Int.random(in: 0..<80, using: &random) == 0 { seats.append(seatCount + Int.random(in: 0...5, using: &random)) }
        if Int.random(in: 0..<80, using: &random) == 0 { seats = [] }
        return seats.shuffled(using: &random)
    }

    mutating func randomRequest() -> BestAvailableRequest {
        let count = Int.random(in: 0...7, using: &random)
        let category = [nil, nil, nil, "standard", "premium", "balcony"].randomElement(using: &random)!
        let section = [nil, nil, nil, nil, "stalls", "circle"].randomElement(using: &random)!
        let accessible = Int.random(in: 0..<15, using: &random) == 0
        return BestAvailableRequest(count: count, category: category, section: section, accessible: accessible)
    }

    /// A reservation to act on, mostly a recent one.
    mutating func pickReservation() -> Int {
        let recent = max(0, holds.count - 20)
        return Bool.random(using: &random)
            ? Int.random(in: recent..<holds.count, using: &random) : Int.random(in: 0..<holds.count, using: &random)
    }

    mutating func register(_ hold: HoldID) -> Int {
        holds.append(hold)
        modelID[hold.reservation] = holds.count - 1
        return holds.count - 1
    }

    func outcome(_ body: () throws(InventoryError) -> ReferenceModel.Outcome) -> ReferenceModel.Outcome {
        do {
            return try body()
        } catch {
            return .refused(describe(error))
        }
    }

    /// The engine's refusal in the model's words.
    func describe(_ error: InventoryError) -> String {
        func h(_ hold: HoldID) -> String { modelID[hold.reservation].map { "h\($0)" } ?? "\(hold)" }
        func b(_ booking: BookingID) -> String { modelID[booking.reservation].map { "b\($0)" } ?? "\(booking)" }
        switch error {
        case .showCancelled(let show): return "showCancelled(\(show.rawValue))"
        case .noSeatsRequested: return "noSeatsRequested"
        case .unknownSeat(let seat): return "unknownSeat(\(seat.rawValue))"
        case .duplicateSeat(let seat): return "duplicateSeat(\(seat.rawValue))"
        case .seatUnavailable(let seat, let conflict): return "seatUnavailable(\(seat.rawValue), \(conflict))"
        case .ruleViolated(let rule, let seat):
            let name = switch rule {
            case .noSingleSeatGap: "noSingleSeatGap"
            case .seatsPerHold: "seatsPerHold"
            case .distancing: "distancing"
            }
            return "ruleViolated(\(name), \(seat.map { "\($0.rawValue)" } ?? "nil"))"
        case .unknownCategory(let id): return "unknownCategory(\(id))"
        case .unknownSection(let id): return "unknownSection(\(id))"
        case .noBlockAvailable(let shortfall):
            let reason = switch shortfall {
            case .noMatchingSeats: "noMatchingSeats"
            case .notEnoughFreeSeats(let free): "notEnoughFreeSeats(free: \(free))"
            case .noAdjacentBlock(let largest): "noAdjacentBlock(largestBlock: \(largest))"
            case .everyBlockLeavesSingleSeat: "everyBlockLeavesSingleSeat"
            case .contended: "contended"
            }
            return "noBlockAvailable(\(reason))"
        case .holdExpired(let hold): return "holdExpired(\(h(hold)))"
        case .holdReleased(let hold): return "holdReleased(\(h(hold)))"
        case .holdAlreadyConfirmed(let hold, let booking): return "holdAlreadyConfirmed(\(h(hold)), \(b(booking)))"
        case .holdBookingCancelled(let hold, let booking): return "holdBookingCancelled(\(h(hold)), \(b(booking)))"
        case .holdLifetimeExhausted(let hold, let deadline): return "holdLifetimeExhausted(\(h(hold)), \(deadline.milliseconds))"
        case .bookingCancelled(let booking): return "bookingCancelled(\(b(booking)))"
        case .unknownBooking(let booking): return "unknownBooking(\(b(booking)))"
        default: return "unexpected \(error)"
        }
    }
}
