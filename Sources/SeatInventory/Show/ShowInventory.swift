import Synchronization

/// The seats of one show: which are taken, which of those are sold, which are never for sale.
///
/// A seat is *free* when its `taken` bit is clear. A hold sets `taken` bits; a confirmation then
/// sets the `sold` bits of the same seats; a release or expiry clears `taken`; a cancellation
/// clears `sold`, then `taken`. Unsellable seats (blocked by the layout or by the show's
/// distancing mask) have their `taken` bit set from the start, so holds fail on them without a
/// separate check on the hot path. Memory: two atomic bits per seat, plus one immutable bit per
/// seat only when the show has a distancing mask (otherwise the layout's bitmap is shared).
final class ShowInventory: Sendable {
    let id: ShowID
    let layout: SeatLayout
    let rules: ShowRules
    let holdLifetimeMilliseconds: UInt64
    let taken: SeatWords
    let sold: SeatWords
    let unsellable: SeatBitmap
    /// Per row, bumped by every take or free of its seats (see ``RowBlockCache``).
    let rowVersions: AtomicWords
    /// The ``RowBlockCache``'s reference bits, 0 until the first best-available search needs it:
    /// idle shows never pay for it.
    private let blockCacheReference = AtomicWords(count: 1)
    let isCancelled = Atomic<Bool>(false)
    /// The last ``SeatChange/sequence`` drawn; only counts while the engine has an observer.
    let changeSequence = Atomic<UInt64>(0)
    /// Bumped after every change to the seat map has reached its bits, refused takes (rolled
    /// back) and cancellation included: a map read after loading version `v` differs from the
    /// show's seats only by changes that have not bumped it yet. See ``InventoryEngine/mapVersion(of:)``.
    let mapVersion = Atomic<UInt64>(0)

    init(id: ShowID, layout: SeatLayout, rules: ShowRules) {
        self.id = id
        self.layout = layout
        self.rules = rules
        holdLifetimeMilliseconds = rules.holdLifetimeMax.wholeMillisecondsRoundedUp
        if rules.distancingMask.isEmpty {
            unsellable = layout.blockedSeats
        } else {
            var words = layout.blockedSeats.words
            for seat in rules.distancingMask {
                words[seat.value >> 6] |= 1 << UInt64(seat.value & 63)
            }
            unsellable = SeatBitmap(seatCount: layout.seatCount, words: words)
        }
        taken = SeatWords(seatCount: layout.seatCount, initial: unsellable)
        sold = SeatWords(seatCount: layout.seatCount)
        rowVersions = AtomicWords(count: layout.rows.count)
    }

    deinit {
        blockCacheReference.reference(0, as: RowBlockCache.self)?.release()
        for words in [taken.words, sold.words, rowVersions, blockCacheReference] { words.deallocate() }
    }

    /// The show's block cache, made by the first caller that needs it.
    var blockCache: RowBlockCache {
        if let cache = blockCacheReference.reference(0, as: RowBlockCache.self) { return cache.takeUnretainedValue() }
        let made = Unmanaged.passRetained(RowBlockCache(rowCount: layout.rows.count))
        guard blockCacheReference.compareExchange(0, expected: 0, desired: AtomicWords.bits(of: made)).exchanged else {
            made.release()  // another thread installed one first
            return blockCacheReference.reference(0, as: RowBlockCache.self)!.takeUnretainedValue()
        }
        return made.takeUnretainedValue()
    }

    /// Takes all of the sorted `seats` or none; returns nil, or the lowest seat already taken.
    func take(_ seats: Span<UInt32>) -> Int? {
        let conflict = taken.setAll(seats)
        // Even a refused take changed bits for a moment (they were rolled back), and a search
        // may have remembered a row as it looked then.
        bumpRowVersions(seats)
        mapChanged()
        return conflict
    }

    /// Frees the sorted `seats`, which the caller holds (their `sold` bits already cleared).
    func free(_ seats: Span<UInt32>) {
        taken.clearAll(seats)
        bumpRowVersions(seats)
        mapChanged()
    }

    /// Marks the sorted `seats`, which the caller holds, sold.
    func sell(_ seats: Span<UInt32>) {
        sold.setOwned(seats)
        mapChanged()
    }

    /// Releasing: whoever loads the new version sees the bits that changed before it.
    func mapChanged() {
        mapVersion.wrappingAdd(1, ordering: .releasing)
    }

    /// Bumps the version of every row the sorted `seats` touch, once per row.
    private func bumpRowVersions(_ seats: Span<UInt32>) {
        var previousRow = -1
        for index in seats.indices {
            let row = Int(layout.seatRow[Int(seats[index])])
            if row != previousRow { rowVersions.increment(row) }
            previousRow = row
        }
    }

    var seatCount: Int { layout.seatCount }

    /// The state of one seat as far as this instant can tell.
    func state(of seat: Int) -> SeatState {
        if unsellable.contains(seat) { return .blocked }
        if sold.contains(seat) { return .sold }
        return taken.contains(seat) ? .held : .free
    }

    /// The refusal for a seat a hold found taken, naming the rule when the seat is masked.
    func refusal(forTakenSeat seat: Int) -> InventoryError {
        let index = SeatIndex(seat)
        if layout.blockedSeats.contains(seat) { return .seatUnavailable(index, .blocked) }
        if unsellable.contains(seat) { return .ruleViolated(.distancing, seat: index) }
        return .seatUnavailable(index, sold.contains(seat) ? .sold : .held)
    }

    /// The lowest seat a hold of the sorted `seats` strands, or nil.
    ///
    /// A free seat is stranded when it sits directly beside the hold and has no free neighbour
    /// left: its other side is taken, an aisle or a row end. Only the seats just outside each
    /// run of adjacent held seats can be stranded, so a run is judged by its edges alone, which
    /// gives the same answer before a block is taken (best-available) and after (explicit holds).
    func strandedSeat(besideSorted seats: Span<UInt32>) -> Int? {
        var runStart = 0
        var lowest: Int?
        while runStart < seats.count {
            var runEnd = runStart + 1
            while runEnd < seats.count, seats[runEnd] == seats[runEnd - 1] + 1,
                layout.isAdjacentToNext(Int(seats[runEnd - 1]))
            {
                runEnd += 1
            }
            let run = Int(seats[runStart])..<Int(seats[runEnd - 1]) + 1
            if let stranded = strandedSeat(besideRun: run) {
                lowest = min(lowest ?? stranded, stranded)
            }
            runStart = runEnd
        }
        return lowest
    }

    /// The lowest seat stranded by taking the adjacent seats of `run`, judged from its edges.
    func strandedSeat(besideRun run: Range<Int>) -> Int? {
        let left = run.lowerBound - 1
        if layout.isAdjacentToNext(left), !taken.contains(left),
            !layout.isAdjacentToNext(left - 1) || taken.contains(left - 1)
        {
            return left
        }
        let right = run.upperBound
        if layout.isAdjacentToNext(right - 1), !taken.contains(right),
            !layout.isAdjacentToNext(right) || taken.contains(right + 1)
        {
            return right
        }
        return nil
    }
}

/// What a seat is doing right now.
public enum SeatState: UInt8, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    case free, held, sold, blocked

    public var description: String {
        switch self {
        case .free: "free"
        case .held: "held"
        case .sold: "sold"
        case .blocked: "blocked"
        }
    }
}
