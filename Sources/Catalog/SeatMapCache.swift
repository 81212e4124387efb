import BoxOfficeStorage
import NIOCore
import Synchronization

/// Seat maps as last rendered, per showtime: the layout part built once, the whole map kept
/// for the version of the seats it shows, so reading an unchanged map costs a lookup. Screens'
/// seat maps, the costly part of a layout, are kept apart: they never change, so a catalog
/// change does not make anyone build them again.
final class SeatMapCache: Sendable {
    /// Showtimes kept; past it the cache starts over (a day's showtimes of a large chain fit).
    static let showtimesMax = 4_096
    /// Screens kept; past it they start over (a large chain's screens fit).
    static let screensMax = 1_024
    /// Bytes of rendered maps kept, by default: a stadium's map is megabytes, and every showtime
    /// keeps its own.
    static let renderedBytesMaxDefault = 256 << 20

    struct Entry: Sendable {
        var layout: SeatMapLayout
        var rendered: (version: String, body: ByteBuffer)?
    }

    /// A showtime's layout as of one generation of the cache.
    struct LayoutKey: Hashable, Sendable {
        var showtimeID: String
        var generation: Int
    }

    private struct State {
        var entries: [String: Entry] = [:]
        /// Moves on at every ``removeAll()``, so a layout built from rows read before it is
        /// neither kept nor handed to anyone who asked after it.
        var generation = 0
        /// The rendered maps' bytes among `entries`.
        var renderedBytes = 0

        mutating func removeEntries() {
            entries.removeAll(keepingCapacity: true)
            renderedBytes = 0
        }

        /// Forgets every rendered map and keeps the layouts: each is rendered again at its next reading.
        mutating func removeRendered() {
            for showtimeID in entries.keys { entries[showtimeID]?.rendered = nil }
            renderedBytes = 0
        }
    }

    private let state = Mutex(State())
    /// Past it, the rendered maps start over; a map larger than it is served but not kept.
    let renderedBytesMax: Int

    init(renderedBytesMax: Int = SeatMapCache.renderedBytesMaxDefault) {
        self.renderedBytesMax = renderedBytesMax
    }

    /// The rendered maps' bytes kept now (for tests).
    var renderedBytes: Int { state.withLock { $0.renderedBytes } }
    private let layoutLoads = SingleFlight<LayoutKey, SeatMapLayout>()
    private let screens = Mutex(BoundedDictionary<String, ScreenSeatMap>(entriesMax: SeatMapCache.screensMax))
    private let screenLoads = SingleFlight<String, ScreenSeatMap>()

    func entry(_ showtimeID: String) -> Entry? { state.withLock { $0.entries[showtimeID] } }

    /// Readers waiting for the showtime's layout to be built (for tests).
    func readersWaitingForLayout(_ showtimeID: String) -> Int {
        layoutLoads.callers(of: LayoutKey(showtimeID: showtimeID, generation: state.withLock { $0.generation }))
    }

    /// The showtime's layout, kept or built by `build` (once, however many ask for it at once).
    func layout(_ showtimeID: String, build: @escaping @Sendable () async throws -> SeatMapLayout) async throws -> SeatMapLayout {
        let (kept, generation) = state.withLock { ($0.entries[showtimeID]?.layout, $0.generation) }
        if let kept { return kept }
        let key = LayoutKey(showtimeID: showtimeID, generation: generation)
        return try await layoutLoads.value(for: key) {
            let layout = try await build()
            self.store(layout, builtIn: generation)
            return layout
        }
    }

    /// The screen's seat map, kept or built by `build` (once, however many ask for it at once).
    func screen(_ screenID: String, build: @escaping @Sendable () async throws -> ScreenSeatMap) async throws -> ScreenSeatMap {
        if let kept = screens.withLock({ $0[screenID] }) { return kept }
        return try await screenLoads.value(for: screenID) {
            let screen = try await build()
            self.screens.withLock { $0.set(screen, for: screenID) }
            return screen
        }
    }

    private func store(_ layout: SeatMapLayout, builtIn generation: Int) {
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.entries.count >= Self.showtimesMax { state.removeEntries() }
            state.entries[layout.showtime.id, default: Entry(layout: layout)].layout = layout
        }
    }

    func store(rendered body: ByteBuffer, version: String, for showtimeID: String) {
        let bytes = body.readableBytes
        state.withLock { state in
            guard state.entries[showtimeID] != nil else { return }
            // The showtime's older map goes whether or not this one is kept: it is no longer served.
            state.renderedBytes -= state.entries[showtimeID]?.rendered?.body.readableBytes ?? 0
            state.entries[showtimeID]?.rendered = nil
            guard bytes <= renderedBytesMax else { return }
            if state.renderedBytes + bytes > renderedBytesMax { state.removeRendered() }
            state.entries[showtimeID]?.rendered = (version, body)
            state.renderedBytes += bytes
        }
    }

    /// Forgets every showtime's layout: the catalog changed (a showtime cancelled, say). Screens'
    /// seat maps are kept: no change to the catalog alters them.
    func removeAll() {
        state.withLock { state in
            state.removeEntries()
            state.generation += 1
        }
    }
}
