import SeatProtocol
@testable import SeatServer
import Testing

/// The kept maps: served only for their own version, never replaced by an older one, and
/// within their byte budget.
@Suite struct SeatMapCacheTests {
    static func contents(stateBytes: Int) -> SeatMapContents {
        SeatMapContents(
            isCancelled: false, seatCount: UInt32(stateBytes * 4), counts: WireSeatCounts(free: 0, held: 0, sold: 0, blocked: 0),
            categories: [], states: SeatStateCoding(form: .packed, bytes: [UInt8](repeating: 0, count: stateBytes)))
    }

    @Test func aMapIsServedForItsVersionAndOnlyANewerOneReplacesIt() {
        let cache = SeatMapCache(stateBytesMax: 1_000)
        let older = Self.contents(stateBytes: 10)
        let newer = Self.contents(stateBytes: 20)
        cache.keep(older, of: 3, at: 5)
        #expect(cache.contents(of: 3, at: 5) == older)
        #expect(cache.contents(of: 3, at: 6) == nil && cache.contents(of: 4, at: 5) == nil)
        cache.keep(newer, of: 3, at: 7)
        cache.keep(older, of: 3, at: 6)  // read earlier, finished later: dropped
        #expect(cache.contents(of: 3, at: 7) == newer && cache.contents(of: 3, at: 6) == nil)
    }

    @Test func mapsPastTheBudgetAreNotKeptAndReplacingOneFreesItsBytes() {
        let cache = SeatMapCache(stateBytesMax: 100)
        cache.keep(Self.contents(stateBytes: 60), of: 1, at: 1)
        cache.keep(Self.contents(stateBytes: 60), of: 2, at: 1)
        #expect(cache.contents(of: 1, at: 1) != nil)
        #expect(cache.contents(of: 2, at: 1) == nil, "60 + 60 bytes is over the budget of 100")
        // Show 1's map shrinks to 10 bytes: show 2's 60 now fit.
        cache.keep(Self.contents(stateBytes: 10), of: 1, at: 2)
        cache.keep(Self.contents(stateBytes: 60), of: 2, at: 1)
        #expect(cache.contents(of: 1, at: 2) != nil && cache.contents(of: 2, at: 1) != nil)
    }
}
