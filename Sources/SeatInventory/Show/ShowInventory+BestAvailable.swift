/// Which seats a best-available request may take.
struct SeatFilter {
    var category: Int?
    var section: Int?
    /// When set, every seat must be a wheelchair space or a companion seat, and at least one a
    /// wheelchair space. When clear, both kinds are left out: they are kept for those who need them.
    var accessible: Bool

    func admits(_ seat: Int, row: SeatLayout.Row, layout: SeatLayout) -> Bool {
        if let section, row.section != section { return false }
        if let category, Int(layout.seatCategory[seat]) != category { return false }
        let isSpecial = layout.accessibleSeats.contains(seat) || layout.companionSeats.contains(seat)
        return isSpecial == accessible
    }
}

extension ShowInventory {
    /// The best block of `count` adjacent free seats in one row that `filter` admits and that
    /// strands no single seat when the show forbids it, or why there is none.
    ///
    /// Best means the lowest sum of seat ranks, ties to the lowest seat index. Rows are visited
    /// best first, and the search stops at the first row that cannot beat the block in hand
    /// (`count × row.bestRank` is a lower bound on any block in it). O(seats) at worst.
    func bestBlock(count: Int, filter: SeatFilter) -> Result<Range<Int>, BestAvailableShortfall> {
        var best: (score: UInt64, start: Int)?
        var matching = 0
        var free = 0
        var largestBlock = 0
        var sawBlock = false
        for rowIndex in layout.rowsByQuality {
            let row = layout.rows[rowIndex]
            if let best, UInt64(row.bestRank) * UInt64(count) > best.score { break }
            if let section = filter.section, row.section != section { continue }
            var run = 0
            var runHasAccessible = false
            var windowScore: UInt64 = 0
            var accessibleInWindow = 0
            for seat in row.seats {
                let isMatching = filter.admits(seat, row: row, layout: layout) && !unsellable.contains(seat)
                let isFree = isMatching && !taken.contains(seat)
                if !(isFree && run > 0 && layout.isAdjacentToNext(seat - 1)) {
                    if !filter.accessible || runHasAccessible { largestBlock = max(largestBlock, run) }
                    (run, runHasAccessible, windowScore, accessibleInWindow) = (0, false, 0, 0)
                }
                if isMatching { matching += 1 }
                guard isFree else { continue }
                free += 1
                run += 1
                windowScore += UInt64(layout.seatRank[seat])
                if layout.accessibleSeats.contains(seat) {
                    accessibleInWindow += 1
                    runHasAccessible = true
                }
                if run > count {
                    let leaving = seat - count
                    windowScore -= UInt64(layout.seatRank[leaving])
                    if layout.accessibleSeats.contains(leaving) { accessibleInWindow -= 1 }
                }
                guard run >= count, !filter.accessible || accessibleInWindow > 0 else { continue }
                let start = seat - count + 1
                sawBlock = true
                if rules.forbidsSingleSeatGaps, strandedSeat(besideRun: start..<seat + 1) != nil { continue }
                if best.map({ (windowScore, start) < ($0.score, $0.start) }) ?? true {
                    best = (windowScore, start)
                }
            }
            if !filter.accessible || runHasAccessible { largestBlock = max(largestBlock, run) }
        }
        if let best { return .success(best.start..<best.start + count) }
        if matching == 0 { return .failure(.noMatchingSeats) }
        if free < count { return .failure(.notEnoughFreeSeats(free: free)) }
        if !sawBlock { return .failure(.noAdjacentBlock(largestBlock: largestBlock)) }
        return .failure(.everyBlockLeavesSingleSeat)
    }
}
