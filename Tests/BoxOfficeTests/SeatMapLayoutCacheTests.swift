@testable import Catalog
import Foundation
import NIOCore
import SeatSamples
import Synchronization
import Testing

/// A seat map's layout is built once however many ask for it at once (a stadium's is costly,
/// and its sale opens with a hundred requests for it), and a layout built from rows read before
/// the catalog changed is not kept.
@Suite("Layouts built once for concurrent readers", .timeLimit(.minutes(1)))
struct SeatMapLayoutCacheTests {
    /// A load held open until `open()`: callers pile up on it meanwhile.
    final class HeldLoad: Sendable {
        let runs = Mutex(0)
        private let (opened, openSignal) = AsyncStream.makeStream(of: Void.self)

        /// Counts the run, waits until opened, then gives `outcome`'s value or throws its error.
        func run<Value>(_ outcome: @autoclosure () throws -> Value) async throws -> Value {
            runs.withLock { $0 += 1 }
            for await _ in opened { break }
            return try outcome()
        }

        func open() { openSignal.finish() }
    }

    struct Refused: Error, Equatable {}

    static func refuse() throws -> Int { throw Refused() }

    /// Waits (in steps of a millisecond, for 10 s at most) until `condition` holds.
    static func eventually(_ condition: () -> Bool) async throws {
        for _ in 0..<10_000 where !condition() {
            try await Task.sleep(for: .milliseconds(1))
        }
        #expect(condition())
    }

    static let callers = 64

    @Test func concurrentCallersShareOneLoadAndItsValue() async throws {
        let flights = SingleFlight<String, Int>()
        let load = HeldLoad()
        let other = HeldLoad()
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<Self.callers {
                group.addTask { try await flights.value(for: "stadium") { try await load.run(7) } }
            }
            group.addTask { try await flights.value(for: "cinema") { try await other.run(3) } }
            try await Self.eventually { flights.callers(of: "stadium") == Self.callers && flights.callers(of: "cinema") == 1 }
            load.open()
            other.open()
            var values: [Int] = []
            for try await value in group { values.append(value) }
            #expect(values.sorted() == [3] + Array(repeating: 7, count: Self.callers))
        }
        #expect(load.runs.withLock { $0 } == 1, "one load for all \(Self.callers) callers of one key")
        #expect(other.runs.withLock { $0 } == 1, "another key has its own load")
        #expect(flights.loadsInFlight == 0, "a load is forgotten once its callers have its value")
        // Asked again later, the key loads afresh (its value would be cached by then).
        let again = HeldLoad()
        again.open()
        #expect(try await flights.value(for: "stadium") { try await again.run(8) } == 8)
    }

    @Test func aFailedLoadFailsEveryCallerAndIsTriedAgainAfter() async throws {
        let flights = SingleFlight<String, Int>()
        let load = HeldLoad()
        let failures = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<Self.callers {
                group.addTask {
                    do {
                        _ = try await flights.value(for: "gone") { try await load.run(try Self.refuse()) }
                        return false
                    } catch {
                        return error is Refused
                    }
                }
            }
            try await Self.eventually { flights.callers(of: "gone") == Self.callers }
            load.open()
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(failures == Self.callers)
        #expect(load.runs.withLock { $0 } == 1)
        let retry = HeldLoad()
        retry.open()
        #expect(try await flights.value(for: "gone") { try await retry.run(1) } == 1)
        #expect(retry.runs.withLock { $0 } == 1)
    }

    static func screen(named name: String = "Screen 1") throws -> ScreenSeatMap {
        try ScreenSeatMap(screenName: name, layoutJSON: String(decoding: try JSONEncoder().encode(SampleVenues.cinema()), as: UTF8.self))
    }

    static func layout(of showtimeID: String = "show-1", on screen: ScreenSeatMap) -> SeatMapLayout {
        let showtime = Showtime(
            id: showtimeID, movieId: "movie", theatreId: "theatre", screenId: "screen", startsAt: .now, endsAt: .now,
            language: "English", format: "2D", prices: ["standard": 100, "premium": 200], currency: "INR", status: .scheduled)
        let theatre = Theatre(id: "theatre", chain: "Chain", name: "Theatre", address: "1 Road", city: "Pune", latitude: 0, longitude: 0,
                              timeZone: "Asia/Kolkata", amenities: [], cancellationPolicy: CancellationPolicy())
        return SeatMapLayout(showtime: showtime, seatShowID: 1, theatre: theatre, screen: screen)
    }

    static func layout(screenName: String = "Screen 1") throws -> SeatMapLayout {
        layout(on: try screen(named: screenName))
    }

    @Test func aLayoutIsBuiltOnceForConcurrentReadersAndThenKept() async throws {
        let cache = SeatMapCache()
        let layout = try Self.layout()
        let build = HeldLoad()
        try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<Self.callers {
                group.addTask { try await cache.layout("show-1") { try await build.run(layout) }.showtime.id }
            }
            try await Self.eventually { cache.readersWaitingForLayout("show-1") == Self.callers }
            build.open()
            for try await id in group { #expect(id == "show-1") }
        }
        #expect(build.runs.withLock { $0 } == 1)
        #expect(cache.entry("show-1")?.layout.showtime.id == "show-1", "kept")
        let unused = HeldLoad()
        _ = try await cache.layout("show-1") { try await unused.run(layout) }
        #expect(unused.runs.withLock { $0 } == 0, "served from the cache")
    }

    @Test func aLayoutBuiltBeforeTheCatalogChangedIsNotKept() async throws {
        let cache = SeatMapCache()
        let stale = HeldLoad()
        let old = try Self.layout(screenName: "Old name")
        let before = Task { try await cache.layout("show-1") { try await stale.run(old) } }
        try await Self.eventually { stale.runs.withLock { $0 } == 1 }
        cache.removeAll()
        // A reader after the change does not join the build begun before it.
        let fresh = HeldLoad()
        fresh.open()
        let renamed = try await cache.layout("show-1") { try await fresh.run(try Self.layout(screenName: "New name")) }
        #expect(fresh.runs.withLock { $0 } == 1 && renamed.screen.screenName == "New name")
        stale.open()
        #expect(try await before.value.screen.screenName == "Old name", "its own reader gets it")
        #expect(cache.entry("show-1")?.layout.screen.screenName == "New name", "the stale build finished last and was not kept")
    }

    @Test func aCatalogChangeRebuildsShowtimesLayoutsButNotTheirScreensSeatMaps() async throws {
        let cache = SeatMapCache()
        let screen = try Self.screen()
        let screenBuild = HeldLoad()
        @Sendable func build(_ showtimeID: String) async throws -> SeatMapLayout {
            Self.layout(of: showtimeID, on: try await cache.screen("screen") { try await screenBuild.run(screen) })
        }
        // Two showtimes on one screen, their readers at once: one build of the screen's map.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for reader in 0..<Self.callers {
                let showtimeID = reader.isMultiple(of: 2) ? "show-1" : "show-2"
                group.addTask { _ = try await cache.layout(showtimeID) { try await build(showtimeID) } }
            }
            try await Self.eventually { cache.readersWaitingForLayout("show-1") + cache.readersWaitingForLayout("show-2") == Self.callers }
            screenBuild.open()
            try await group.waitForAll()
        }
        #expect(screenBuild.runs.withLock { $0 } == 1, "one screen, one build")
        cache.removeAll()
        #expect(cache.entry("show-1") == nil, "the showtimes' layouts are forgotten")
        let rebuilt = try await cache.layout("show-1") { try await build("show-1") }
        #expect(rebuilt.showtime.id == "show-1" && rebuilt.screen.seatCount == screen.seatCount)
        #expect(screenBuild.runs.withLock { $0 } == 1, "the screen's seat map was kept through the change")
    }

    /// Both parts are bounded: past their limits they start over rather than grow.
    @Test func screensAndShowtimesStartOverPastTheirLimits() async throws {
        let cache = SeatMapCache()
        let screen = try Self.screen()
        let build = HeldLoad()
        build.open()
        for index in 0..<SeatMapCache.screensMax { _ = try await cache.screen("screen-\(index)") { try await build.run(screen) } }
        _ = try await cache.screen("screen-0") { try await build.run(screen) }
        #expect(build.runs.withLock { $0 } == SeatMapCache.screensMax, "every screen up to the limit is kept")
        _ = try await cache.screen("screen-\(SeatMapCache.screensMax)") { try await build.run(screen) }
        _ = try await cache.screen("screen-0") { try await build.run(screen) }
        #expect(build.runs.withLock { $0 } == SeatMapCache.screensMax + 2, "one more screen started the screens over")

        for index in 0..<SeatMapCache.showtimesMax {
            _ = try await cache.layout("show-\(index)") { Self.layout(of: "show-\(index)", on: screen) }
        }
        #expect(cache.entry("show-0") != nil, "every showtime up to the limit is kept")
        let past = "show-\(SeatMapCache.showtimesMax)"
        _ = try await cache.layout(past) { Self.layout(of: past, on: screen) }
        #expect(cache.entry("show-0") == nil && cache.entry(past) != nil, "one more showtime started the showtimes over")
    }

    /// Rendered maps are bounded by their bytes: past the limit they start over, their layouts kept.
    @Test func renderedMapsStartOverPastTheirBytes() async throws {
        let cache = SeatMapCache(renderedBytesMax: 1_000)
        let screen = try Self.screen()
        for showtimeID in ["show-1", "show-2", "show-3"] {
            _ = try await cache.layout(showtimeID) { Self.layout(of: showtimeID, on: screen) }
        }
        func rendered(_ bytes: Int) -> ByteBuffer { ByteBuffer(repeating: UInt8(ascii: "x"), count: bytes) }
        cache.store(rendered: rendered(400), version: "1", for: "show-1")
        cache.store(rendered: rendered(400), version: "1", for: "show-2")
        #expect(cache.renderedBytes == 800)
        cache.store(rendered: rendered(300), version: "2", for: "show-2")
        #expect(cache.renderedBytes == 700, "a map rendered again replaces its bytes")
        cache.store(rendered: rendered(400), version: "1", for: "show-3")
        #expect(cache.entry("show-1")?.rendered == nil && cache.entry("show-2")?.rendered == nil, "past the limit: started over")
        #expect(cache.entry("show-1")?.layout.showtime.id == "show-1", "the layouts kept")
        #expect(cache.entry("show-3")?.rendered?.version == "1" && cache.renderedBytes == 400)
        cache.store(rendered: rendered(1_001), version: "2", for: "show-1")
        #expect(cache.entry("show-1")?.rendered == nil && cache.renderedBytes == 400, "a map over the limit is not kept")
        cache.store(rendered: rendered(1_001), version: "2", for: "show-3")
        #expect(cache.entry("show-3")?.rendered == nil && cache.renderedBytes == 0,
                "nor is the older map it replaces, which is no longer served")
        cache.removeAll()
        #expect(cache.renderedBytes == 0)
    }
}
