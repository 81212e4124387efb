import SeatMaps
import SeatProtocol
import SeatTestSupport
import Testing

@Suite("A show's seats as a subscriber rebuilds them from a snapshot and events", .timeLimit(.minutes(1)))
struct SeatAvailabilityTests {
    static func snapshot(seats: Int, taken: Set<Int> = [], sold: Set<Int> = [], blocked: Set<Int> = []) -> AvailabilityReply {
        func bitmap(_ seats: Set<Int>, words: Int) -> [UInt64] {
            var bitmap = [UInt64](repeating: 0, count: words)
            for seat in seats { bitmap[seat / 64] |= 1 << (seat % 64) }
            return bitmap
        }
        let words = (seats + 63) / 64
        return AvailabilityReply(show: 7, isCancelled: false, seatCount: UInt32(seats), counts: .init(free: 0, held: 0, sold: 0, blocked: 0),
                                 categories: [], taken: bitmap(taken.union(sold), words: words),
                                 sold: bitmap(sold, words: words), blocked: bitmap(blocked, words: words))
    }

    static func event(_ sequence: UInt64, _ kind: SeatEvent.Kind, _ seats: [UInt32]) -> SeatEvent {
        SeatEvent(show: 7, sequence: sequence, kind: kind, hold: 1, seats: seats)
    }

    @Test func eventsApplyInOrderAndAGapIsReported() {
        var view = SeatAvailability(snapshot: Self.snapshot(seats: 130, sold: [1], blocked: [129]), sequence: 4)
        #expect(view.state(of: 0) == .free && view.state(of: 1) == .sold && view.state(of: 129) == .blocked)
        #expect(view.apply(Self.event(5, .held, [0, 70])) == .applied)
        #expect(view.state(of: 0) == .held && view.state(of: 70) == .held)
        #expect(view.apply(Self.event(6, .confirmed, [0, 70])) == .applied)
        #expect(view.state(of: 70) == .sold)
        #expect(view.apply(Self.event(7, .cancelled, [70])) == .applied)
        #expect(view.state(of: 70) == .free)
        #expect(view.apply(Self.event(6, .released, [0])) == .alreadyApplied)
        #expect(view.state(of: 0) == .sold)
        #expect(view.apply(Self.event(9, .held, [2])) == .gap(expected: 8))
        #expect(view.state(of: 2) == .free && view.sequence == 7)
    }

    @Test func aSubscriptionWhoseFirstEventsCameBeforeItsReplyIsComplete() throws {
        var buffer = ResyncBuffer()
        buffer.add(Self.event(3, .held, [5]))
        buffer.subscribed(next: 3)
        buffer.add(Self.event(4, .confirmed, [5]))
        // The snapshot was taken after event 3 only; event 4 completes it.
        let before = try #require(buffer.sequenceBefore)
        let view = try #require(buffer.view(on: Self.snapshot(seats: 10, taken: [5]), sequenceBefore: before))
        #expect(view.state(of: 5) == .sold && view.sequence == 4)
    }

    @Test func aBufferThatMissedAnEventIsBrokenAndRestartsFromTheLastItSaw() throws {
        var buffer = ResyncBuffer()
        buffer.subscribed(next: 1)
        buffer.add(Self.event(1, .held, [1]))
        buffer.add(Self.event(3, .held, [2]))
        #expect(buffer.isBroken)
        #expect(buffer.view(on: Self.snapshot(seats: 4), sequenceBefore: 0) == nil)
        var again = buffer.restarted()
        #expect(!again.isBroken && again.sequenceBefore == 3)
        again.add(Self.event(4, .released, [2]))
        let view = try #require(again.view(on: Self.snapshot(seats: 4, taken: [1, 2]), sequenceBefore: 3))
        #expect(view.state(of: 1) == .held && view.state(of: 2) == .free && view.sequence == 4)

        var wrongStart = ResyncBuffer()
        wrongStart.add(Self.event(8, .held, [0]))
        wrongStart.subscribed(next: 7)
        #expect(wrongStart.isBroken)
    }

    @Test func aBufferPastItsLimitIsBrokenRatherThanGrowing() {
        var buffer = ResyncBuffer()
        buffer.subscribed(next: 1)
        for sequence in 1...UInt64(ResyncBuffer.eventsMax) { buffer.add(Self.event(sequence, .held, [0])) }
        #expect(!buffer.isBroken)
        buffer.add(Self.event(UInt64(ResyncBuffer.eventsMax) + 1, .released, [0]))
        #expect(buffer.isBroken)
        #expect(buffer.restarted().sequenceBefore == UInt64(ResyncBuffer.eventsMax) + 1)
    }

    /// A show changes at random; the subscriber misses a run of events, notices the gap, and
    /// takes a snapshot some events later. Following the recipe, its view ends equal to the show.
    @Test(arguments: randomizedSeeds(fixed: 20))
    func theResyncRecipeRebuildsTheShowExactly(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        let seatCount = Int.random(in: 1...200, using: &random)
        var held = Set<Int>(), sold = Set<Int>()
        var sequence: UInt64 = 0
        func change() -> SeatEvent {
            sequence += 1
            let seat = Int.random(in: 0..<seatCount, using: &random)
            if sold.contains(seat) {
                sold.remove(seat)
                return Self.event(sequence, .cancelled, [UInt32(seat)])
            } else if held.contains(seat) {
                held.remove(seat)
                if Bool.random(using: &random) { sold.insert(seat); return Self.event(sequence, .confirmed, [UInt32(seat)]) }
                return Self.event(sequence, Bool.random(using: &random) ? .released : .expired, [UInt32(seat)])
            }
            held.insert(seat)
            return Self.event(sequence, .held, [UInt32(seat)])
        }
        func showNow() -> AvailabilityReply { Self.snapshot(seats: seatCount, taken: held, sold: sold) }

        var view = SeatAvailability(snapshot: showNow(), sequence: sequence)
        for _ in 0..<Int.random(in: 0...50, using: &random) { _ = view.apply(change()) }
        for _ in 0..<Int.random(in: 1...20, using: &random) { _ = change() }  // missed
        let revealing = change()
        guard case .gap = view.apply(revealing) else { Issue.record("seed \(seed): no gap seen"); return }
        var buffer = ResyncBuffer(startingWith: revealing)
        for _ in 0..<Int.random(in: 0...30, using: &random) { buffer.add(change()) }  // before the request
        let snapshot = showNow()
        for _ in 0..<Int.random(in: 0...30, using: &random) { buffer.add(change()) }  // after it
        let before = try #require(buffer.sequenceBefore, "seed \(seed)")
        var rebuilt = try #require(buffer.view(on: snapshot, sequenceBefore: before), "seed \(seed)")
        for _ in 0..<Int.random(in: 0...30, using: &random) { #expect(rebuilt.apply(change()) == .applied, "seed \(seed)") }

        #expect(rebuilt.sequence == sequence, "seed \(seed)")
        for seat in 0..<seatCount {
            let expected: SeatAvailability.SeatState = sold.contains(seat) ? .sold : held.contains(seat) ? .held : .free
            #expect(rebuilt.state(of: seat) == expected, "seed \(seed), seat \(seat)")
        }
    }
}
