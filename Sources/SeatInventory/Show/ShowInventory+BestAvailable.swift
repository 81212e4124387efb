/// Which seats a best-available request may take.
struct SeatFilter {
    var category: Int?
    var section: Int?
    /// When set, every seat must be a wheelchair space or a companion seat, and at least one a
    /// wheelchair space. When clear, both kinds are left out: they are kept for those who need them.
    var accessible: Bool

    /// Whether the row's blocks under this filter are those ``RowBlockCache`` remembers: general
    /// seats, and a category filter only where the whole row is of that category.
    func isGeneral(for row: Int, layout: SeatLayout) -> Bool {
        !accessible && (category == nil || layout.categoryOfRow[row] == category)
    }

    /// The seats of word `word` that the filter admits, apart from the section (judged by row).
    func admitted(word: Int, layout: SeatLayout) -> UInt64 {
        let special = layout.specialSeats.words[word]
        let byCategory = category.map { layout.categorySeats[$0].words[word] } ?? ~0
        return byCategory & (accessible ? special : ~special)
    }
}

extension ShowInventory {
    /// The best block of `count` adjacent free seats in one row that `filter` admits and that
    /// strands no single seat when the show forbids it, or why there is none.
    ///
    /// Best means the lowest sum of seat ranks, ties to the lowest seat index. Rows are visited
    /// best first, and the search stops at the first row whose best rank cannot beat the block in
    /// hand (`count × row.bestRank` bounds every block in it from below). A row unchanged since
    /// it was last scanned answers from the ``RowBlockCache``; others are read a 64-seat word at
    /// a time. When no block exists, one more pass without the cache says why. O(seats) at worst.
    func bestBlock(count: Int, filter: SeatFilter) -> Result<Range<Int>, BestAvailableShortfall> {
        let cache = count <= RowBlockCache.blockSizesCached && !filter.accessible ? blockCache : nil
        if let best = search(count: count, filter: filter, cache: cache).best {
            return .success(best.start..<best.start + count)
        }
        let tally = search(count: count, filter: filter, cache: nil)
        if let best = tally.best { return .success(best.start..<best.start + count) }
        if !hasMatchingSeat(filter) { return .failure(.noMatchingSeats) }
        if tally.free < count { return .failure(.notEnoughFreeSeats(free: tally.free)) }
        if !tally.sawBlock { return .failure(.noAdjacentBlock(largestBlock: tally.largestBlock)) }
        return .failure(.everyBlockLeavesSingleSeat)
    }

    /// One pass over the rows; without a cache, every row the bound admits is scanned and the
    /// tally's counts cover them all.
    private func search(count: Int, filter: SeatFilter, cache: RowBlockCache?) -> BlockTally {
        var tally = BlockTally(count: count)
        let blockSize = UInt64(count)
        let rowBounds = layout.rowBounds
        for rowIndex in layout.rowsByQuality {
            let row = rowBounds[rowIndex]
            if let best = tally.best, UInt64(row.bestRank) * blockSize > best.score { break }
            if let section = filter.section, row.section != section { continue }
            // The cache through `?.`, not bound with `let`: a binding per row is a retain and a
            // release per row.
            guard cache != nil, filter.isGeneral(for: rowIndex, layout: layout),
                row.seats.count <= RowBlockCache.rowSeatsCachedMax
            else {
                scan(row, filter: filter, into: &tally).map { tally.offer(score: $0.score, start: $0.start) }
                continue
            }
            let version = rowVersions.loadAcquiring(rowIndex)
            if let remembered = cache?.lookup(row: rowIndex, count: count, version: version) {
                remembered.map { tally.offer(score: UInt64($0.score), start: row.seats.lowerBound + $0.start) }
                continue
            }
            let best = scan(row, filter: filter, into: &tally)
            cache?.remember(
                row: rowIndex, count: count, version: version,
                best: best.map { ($0.score, $0.start - row.seats.lowerBound) })
            best.map { tally.offer(score: $0.score, start: $0.start) }
        }
        return tally
    }

    /// Slides a window of `tally.count` seats along each run of adjacent free seats of the row
    /// that the filter admits, counting them into `tally`; returns the row's best block.
    private func scan(_ row: SeatLayout.RowBounds, filter: SeatFilter, into tally: inout BlockTally) -> (score: UInt64, start: Int)? {
        let count = tally.count
        var best: (score: UInt64, start: Int)?
        var run = 0
        var previous = -1
        var runHasAccessible = false
        var windowScore: UInt64 = 0
        var accessibleInWindow = 0
        var word = row.seats.lowerBound >> 6
        while word << 6 < row.seats.upperBound {
            let free = ~taken.words.load(word) & Self.mask(of: row.seats, inWord: word)
            var admitted = free & filter.admitted(word: word, layout: layout)
            while admitted != 0 {
                let seat = word << 6 | admitted.trailingZeroBitCount
                admitted &= admitted - 1
                if !(run > 0 && seat == previous + 1 && layout.isAdjacentToNext(previous)) {
                    tally.closeRun(length: run, counts: !filter.accessible || runHasAccessible)
                    (run, runHasAccessible, windowScore, accessibleInWindow) = (0, false, 0, 0)
                }
                previous = seat
                tally.free += 1
                run += 1
                windowScore += UInt64(layout.seatRank[seat])
                if run > count { windowScore -= UInt64(layout.seatRank[seat - count]) }
                if filter.accessible {
                    if layout.accessibleSeats.contains(seat) {
                        accessibleInWindow += 1
                        runHasAccessible = true
                    }
                    if run > count, layout.accessibleSeats.contains(seat - count) { accessibleInWindow -= 1 }
                }
                guard run >= count, !filter.accessible || accessibleInWindow > 0 else { continue }
                tally.sawBlock = true
                // Within a row a later block wins only with a strictly lower score; judge that
                // before the costlier stranding check.
                guard best.map({ windowScore < $0.score }) ?? true else { continue }
                let start = seat - count + 1
                if rules.forbidsSingleSeatGaps, strandedSeat(besideRun: start..<seat + 1) != nil { continue }
                best = (windowScore, start)
            }
            word += 1
        }
        tally.closeRun(length: run, counts: !filter.accessible || runHasAccessible)
        return best
    }

    /// The bits of word `word` that fall inside `seats`.
    private static func mask(of seats: Range<Int>, inWord word: Int) -> UInt64 {
        let low = max(seats.lowerBound - word << 6, 0)
        let high = min(seats.upperBound - word << 6, 64)
        let belowHigh: UInt64 = high == 64 ? ~0 : (1 << UInt64(high)) - 1
        return belowHigh & ~((1 << UInt64(low)) - 1)
    }

    /// Whether the layout has any sellable seat the filter admits, free or not.
    private func hasMatchingSeat(_ filter: SeatFilter) -> Bool {
        layout.rows.contains { row in
            guard filter.section.map({ $0 == row.section }) ?? true else { return false }
            var word = row.seats.lowerBound >> 6
            while word << 6 < row.seats.upperBound {
                let admitted = filter.admitted(word: word, layout: layout) & ~unsellable.words[word]
                if admitted & Self.mask(of: row.seats, inWord: word) != 0 { return true }
                word += 1
            }
            return false
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
