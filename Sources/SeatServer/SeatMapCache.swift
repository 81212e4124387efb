import NIOConcurrencyHelpers
import SeatProtocol
import Synchronization

/// The last SEAT_MAP contents made for each show, with the map version they were read at: a
/// show read many times between two changes is read and encoded once.
///
/// An entry is only ever served for the version it was read at (``InventoryEngine/mapVersion(of:)``
/// says why that is exact). Entries live as long as the server; their states take at most two
/// bits a seat, no more than the engine's own bitmaps of the same shows, and `stateBytesMax`
/// bounds them all together: past it, maps are made for each request and not kept.
final class SeatMapCache: Sendable {
    static let stripeCount = 16

    private struct Entry {
        let version: UInt64
        let contents: SeatMapContents
    }

    let stateBytesMax: Int
    // NIOLock (a pthread mutex) rather than Synchronization's Mutex, which ThreadSanitizer
    // cannot see order the threads.
    private let stripes = (0..<SeatMapCache.stripeCount).map { _ in NIOLockedValueBox<[UInt32: Entry]>([:]) }
    private let stateBytesKept = Atomic<Int>(0)

    init(stateBytesMax: Int) {
        self.stateBytesMax = stateBytesMax
    }

    private func stripe(_ show: UInt32) -> NIOLockedValueBox<[UInt32: Entry]> { stripes[Int(show) % Self.stripeCount] }

    /// The contents kept for `show`, if they were read at `version`.
    func contents(of show: UInt32, at version: UInt64) -> SeatMapContents? {
        stripe(show).withLockedValue { entries in
            guard let entry = entries[show], entry.version == version else { return nil }
            return entry.contents
        }
    }

    /// Keeps `contents`, read at `version`, unless what is kept is newer or the budget is spent.
    func keep(_ contents: SeatMapContents, of show: UInt32, at version: UInt64) {
        stripe(show).withLockedValue { entries in
            let replaced = entries[show]
            if let replaced, replaced.version >= version { return }
            let growth = contents.states.bytes.count - (replaced?.contents.states.bytes.count ?? 0)
            guard stateBytesKept.add(growth, ordering: .relaxed).newValue <= stateBytesMax else {
                stateBytesKept.subtract(growth, ordering: .relaxed)
                return
            }
            entries[show] = Entry(version: version, contents: contents)
        }
    }
}
