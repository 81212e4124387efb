import Synchronization

/// Per row of a show, the best block of each size `1...blockSizesCached` that general
/// best-available (no special seats, any category the row is all of) can take, remembered until
/// the row changes.
///
/// Every take or free of seats bumps its row's version (see ``ShowInventory/take(_:)``); an
/// entry is trusted only while the version it was computed at is the row's current one, so a
/// search reads one word per row instead of the row's seats. An entry computed while a seat
/// changed is stamped with the version read before the scan, and the change's bump makes it
/// stale. The version in an entry is 19 bits: after 2^19 changes of one row a stale entry could
/// match again, which can cost a suboptimal block or a failed take, never a wrong sale (the take
/// is a compare-and-swap, and a failed take bumps the row again).
///
/// ```
///  63  62          44 43        32 31                    0
/// +---+--------------+------------+-----------------------+
/// | V | version (19) | start (12) | score (32)            |
/// +---+--------------+------------+-----------------------+
///  V: the entry holds a result. start: the block's first seat, from the row's first seat.
///  score: the block's rank sum; all ones when the row has no such block.
/// ```
final class RowBlockCache: Sendable {
    /// Block sizes remembered per row; larger requests always scan.
    static let blockSizesCached = 8
    /// Rows longer than this are always scanned (a start must fit in 12 bits).
    static let rowSeatsCachedMax = 1 << 12
    static let noBlock = UInt32.max

    private let entries: AtomicWords

    init(rowCount: Int) {
        entries = AtomicWords(count: rowCount * Self.blockSizesCached)
    }

    deinit { entries.deallocate() }

    /// The row's best block of `count` seats (nil score: none), if remembered at `version`.
    func lookup(row: Int, count: Int, version: UInt64) -> (score: UInt32, start: Int)?? {
        let entry = entries.load(row * Self.blockSizesCached + count - 1)
        guard entry >> 63 == 1, entry >> 44 & 0x7FFFF == version & 0x7FFFF else { return nil }
        let score = UInt32(truncatingIfNeeded: entry)
        return .some(score == Self.noBlock ? nil : (score, Int(entry >> 32 & 0xFFF)))
    }

    /// Remembers the row's best block of `count` seats as computed at `version`.
    func remember(row: Int, count: Int, version: UInt64, best: (score: UInt64, start: Int)?) {
        // A score too large for the entry is not remembered: the row is scanned each time.
        guard best.map({ $0.score < UInt64(Self.noBlock) }) ?? true else { return }
        let score = best?.score ?? UInt64(Self.noBlock)
        let entry = 1 << 63 | (version & 0x7FFFF) << 44 | UInt64(best?.start ?? 0) << 32 | score
        entries.store(row * Self.blockSizesCached + count - 1, entry)
    }
}
