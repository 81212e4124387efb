import Synchronization

/// The seat states recently sent on live streams, by event id (the seats' version), so a page
/// that reconnects with `Last-Event-ID` is sent only the seats that changed since; an id not
/// found here (too old, or from another instance) gets every seat again. Bounded: the oldest
/// entry goes first once ``entriesMax`` are kept, so memory stays under entriesMax × the
/// largest map streamed.
final class RecentSeatMaps: Sendable {
    static let entriesMax = 1_024

    private struct Entries {
        var maps: [String: [UInt8]] = [:]
        /// Ids in the order they were kept, as a ring: `next` is the slot to reuse.
        var order: [String] = []
        var next = 0
    }

    private let entries = Mutex(Entries())

    func keep(_ codes: [UInt8], id: String) {
        entries.withLock { entries in
            guard entries.maps[id] == nil else { return }
            if entries.order.count < Self.entriesMax {
                entries.order.append(id)
            } else {
                entries.maps[entries.order[entries.next]] = nil
                entries.order[entries.next] = id
                entries.next = (entries.next + 1) % Self.entriesMax
            }
            entries.maps[id] = codes
        }
    }

    func codes(id: String) -> [UInt8]? {
        entries.withLock { $0.maps[id] }
    }

    var count: Int { entries.withLock { $0.maps.count } }
}
