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
    /// best first, rows with no free seat are passed over a word at a time, and the search stops
    /// at the first row that cannot beat the block in hand (`count × row.bestRank` bounds every
    /// block in it from below). O(seats) at worst.
    func bestBlock(count: Int, filter: SeatFilter) -> Result<Range<Int>, BestAvailableShortfall> {
        var tally = BlockTally(count: count)
        for rowIndex in layout.rowsByQuality {
            let row = layout.rows[rowIndex]
            if let best = tally.best, UInt64(row.bestRank) * UInt64(count) > best.score { break }
            if let section = filter.section, row.section != section { continue }
            if hasFreeSeat(in: row.seats) { scan(row, filter: filter, into: &tally) }
        }
        if let best = tally.best { return .success(best.start..<best.start + count) }
        if !hasMatchingSeat(filter) { return .failure(.noMatchingSeats) }
        if tally.free < count { return .failure(.notEnoughFreeSeats(free: tally.free)) }
        if !tally.sawBlock { return .failure(.noAdjacentBlock(largestBlock: tally.largestBlock)) }
        return .failure(.everyBlockLeavesSingleSeat)
    }

    /// Slides a window of `tally.count` seats along each run of adjacent free seats of the row.
    private func scan(_ row: SeatLayout.Row, filter: SeatFilter, into tally: inout BlockTally) {
        let count = tally.count
        var run = 0
        var runHasAccessible = false
        var windowScore: UInt64 = 0
        var accessibleInWindow = 0
        for seat in row.seats {
            let isFree = !taken.contains(seat) && filter.admits(seat, row: row, layout: layout)
            if !(isFree && run > 0 && layout.isAdjacentToNext(seat - 1)) {
                tally.closeRun(length: run, counts: !filter.accessible || runHasAccessible)
                (run, runHasAccessible, windowScore, accessibleInWindow) = (0, false, 0, 0)
            }
            guard isFree else { continue }
            tally.free += 1
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
            tally.sawBlock = true
            if rules.forbidsSingleSeatGaps, strandedSeat(besideRun: start..<seat + 1) != nil { continue }
            tally.offer(score: windowScore, start: start)
        }
        tally.closeRun(length: run, counts: !filter.accessible || runHasAccessible)
    }

    /// Whether any seat of `seats` is free, judged a word at a time.
    private func hasFreeSeat(in seats: Range<Int>) -> Bool {
        var word = seats.lowerBound >> 6
        while word << 6 < seats.upperBound {
            let low = max(seats.lowerBound - word << 6, 0)
            let high = min(seats.upperBound - word << 6, 64)
            let mask: UInt64 = (high == 64 ? ~0 : (1 << UInt64(high)) - 1) & ~((1 << UInt64(low)) - 1)
            if taken.words.load(word) & mask != mask { return true }
            word += 1
        }
        return false
    }

    /// Whether the layout has any sellable seat the filter admits, free or not.
    private func hasMatchingSeat(_ filter: SeatFilter) -> Bool {
        layout.rows.contains { row in
            row.seats.contains { !unsellable.contains($0) && filter.admits($0, row: row, layout: layout) }
        }
    }
}

/// What a best-available search has found so far.
private struct BlockTally {
    let count: Int
    var best: (score: UInt64, start: Int)?
    var free = 0
    var largestBlock = 0
    var sawBlock = false

    init(count: Int) { self.count = count }

    mutating func offer(score: UInt64, start: Int) {
        if best.map({ (score, start) < ($0.score, $0.start) }) ?? true { best = (score, start) }
    }

    mutating func closeRun(length: Int, counts: Bool) {
        if counts { largestBlock = max(largestBlock, length) }
    }
}
