import NIOCore
import Synchronization

/// Seat maps as last rendered, per showtime: the layout part built once, the whole map kept
/// for the version of the seats it shows, so reading an unchanged map costs a lookup.
final class SeatMapCache: Sendable {
    /// Showtimes kept; past it the cache starts over (a day's showtimes of a large chain fit).
    static let showtimesMax = 4_096

    struct Entry: Sendable {
        var layout: SeatMapLayout
        var rendered: (version: String, body: ByteBuffer)?
    }

    private let entries = Mutex<[String: Entry]>([:])

    func entry(_ showtimeID: String) -> Entry? { entries.withLock { $0[showtimeID] } }

    func store(_ layout: SeatMapLayout) {
        entries.withLock { entries in
            if entries.count >= Self.showtimesMax { entries.removeAll(keepingCapacity: true) }
            entries[layout.showtime.id, default: Entry(layout: layout)].layout = layout
        }
    }

    func store(rendered body: ByteBuffer, version: String, for showtimeID: String) {
        entries.withLock { $0[showtimeID]?.rendered = (version, body) }
    }

    /// Forgets every layout: the catalog changed (a showtime cancelled, say).
    func removeAll() {
        entries.withLock { $0.removeAll() }
    }
}
