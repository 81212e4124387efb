import Foundation
import SeatTestSupport
import Synchronization
import Testing

@testable import SeatInventory

@Suite(.timeLimit(.minutes(1))) struct FreeSlotIndexTests {
    /// Sizes around the word (64 slots) and summary (4,096 slots) boundaries.
    @Test(arguments: [1, 63, 64, 65, 4_095, 4_096, 4_097, 70_000])
    func handsOutEverySlotOnceThenRefuses(capacity: Int) {
        let index = FreeSlotIndex(capacity: capacity)
        defer { index.deallocate() }
        var taken: [Int] = []
        while let slot = index.take() { taken.append(slot) }
        #expect(taken == Array(0..<capacity))
        #expect(index.take() == nil)
        #expect((0..<capacity).allSatisfy { !index.isFree($0) })
    }

    @Test func aFreedSlotWaitsForTheCursorToComeRound() {
        let index = FreeSlotIndex(capacity: 200)
        defer { index.deallocate() }
        for _ in 0..<10 { _ = index.take() }
        index.put(3)
        // The cursor is at 10: everything after it comes first, then slot 3 on the way round.
        var order: [Int] = []
        while let slot = index.take() { order.append(slot) }
        #expect(order == Array(10..<200) + [3])
    }

    @Test func aTableFullOfBookingsStillFindsItsLastFreeSlots() {
        let capacity = 70_000
        let index = FreeSlotIndex(capacity: capacity)
        defer { index.deallocate() }
        while index.take() != nil {}
        for slot in [5, 40_000, 69_999] { index.put(slot) }
        var found: [Int] = []
        while let slot = index.take() { found.append(slot) }
        #expect(found.sorted() == [5, 40_000, 69_999])
    }

    @Test func removeTakesASlotOutWithoutAClaim() {
        let index = FreeSlotIndex(capacity: 130)
        defer { index.deallocate() }
        for slot in 0..<130 where slot != 64 && slot != 129 { index.remove(slot) }
        #expect(index.take() == 64)
        #expect(index.take() == 129)
        #expect(index.take() == nil)
    }

    /// Threads take and give back slots at random while a table of each slot's owner checks that
    /// no slot is ever handed to two claimers. Between rounds, with the threads stopped and their
    /// slots still held, the summary must mark every free slot; at the end every slot is free
    /// again and can be taken.
    @Test(arguments: randomizedSeeds(fixed: 2))
    func concurrentClaimsNeverShareASlot(seed: UInt64) async {
        let context = Comment(rawValue: "seed \(seed) (replay with SEAT_TEST_SEED=\(seed))")
        // Two words: the table fills and words empty and refill all the time.
        let capacity = 128
        let threads = 4
        let index = FreeSlotIndex(capacity: capacity)
        defer { index.deallocate() }
        // Each slot's owner, thread + 1, or 0 while no thread has it.
        let owners = AtomicWords(count: capacity)
        defer { owners.deallocate() }
        let held = Locked<[[Int]]>(Array(repeating: [], count: threads))
        let doubleClaims = Atomic<Int>(0)
        let claims = Atomic<Int>(0)
        let refusals = Atomic<Int>(0)
        var unmarkedRounds = 0

        for round in 0..<40 {
            let deadline = ContinuousClock.now + .milliseconds(40)
            await runOnThreads(threads) { thread in
                var random = SeededGenerator(seed: seed &+ UInt64(round * threads + thread))
                var mine = held.withLock { $0[thread] }
                for step in 0..<100_000 {
                    if step % 1024 == 0, ContinuousClock.now > deadline { break }
                    if mine.isEmpty || (mine.count < 40 && Bool.random(using: &random)) {
                        guard let slot = index.take() else {
                            refusals.add(1, ordering: .relaxed)
                            continue
                        }
                        claims.add(1, ordering: .relaxed)
                        if !owners.compareExchange(slot, expected: 0, desired: UInt64(thread + 1)).exchanged {
                            doubleClaims.add(1, ordering: .relaxed)
                        }
                        mine.append(slot)
                    } else {
                        mine.swapAt(Int.random(in: mine.indices, using: &random), mine.count - 1)
                        let slot = mine.removeLast()
                        owners.storeReleasing(slot, 0)
                        index.put(slot)
                    }
                }
                held.withLock { $0[thread] = mine }
            }
            if !index.summaryMarksEveryFreeSlot() { unmarkedRounds += 1 }
        }
        for slot in held.withLock({ $0.joined() }) {
            owners.storeReleasing(slot, 0)
            index.put(slot)
        }

        #expect(doubleClaims.load(ordering: .relaxed) == 0, context)
        #expect(unmarkedRounds == 0, context)
        #expect(claims.load(ordering: .relaxed) > 10_000, context)
        // 4 threads keeping up to 40 slots each in a table of 128: it really did fill up.
        #expect(refusals.load(ordering: .relaxed) > 0, context)
        var all: [Int] = []
        while let slot = index.take() { all.append(slot) }
        #expect(all.sorted() == Array(0..<capacity), context)
    }
}
