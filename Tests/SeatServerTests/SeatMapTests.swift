import Foundation
import NIOConcurrencyHelpers
import SeatClient
import SeatInventory
import SeatProtocol
import SeatServer
import SeatTestSupport
import Testing

/// SEAT_MAP over the wire: the same seats as AVAILABILITY in fewer bytes, "unchanged" exactly
/// when the client's map is current, and one encoding per version however many ask.
@Suite(.timeLimit(.minutes(3))) struct SeatMapTests {
    /// The map's states as bitmaps next to AVAILABILITY's, and its counts next to its own states.
    static func expectSameSeats(_ map: SeatMapContents, as availability: AvailabilityReply, _ comment: Comment? = nil) {
        guard let states = try? map.states.bitmaps(seatCount: Int(map.seatCount)) else {
            Issue.record("the map's states do not decode: \(map.states); \(comment?.rawValue ?? "")")
            return
        }
        #expect(map.seatCount == availability.seatCount, comment)
        #expect(states.taken == availability.taken && states.sold == availability.sold, comment)
        #expect(states.blocked == availability.blocked, comment)
        #expect(map.counts == availability.counts && map.categories == availability.categories, comment)
        #expect(map.isCancelled == availability.isCancelled, comment)
    }

    static func statistic(_ name: String, of client: SeatClient) async throws -> UInt64 {
        try #require(try await client.stats().first { $0.name == name }).value
    }

    @Test func aMapIsTheAvailabilityAndAKnownVersionGetsTheVersionAlone() async throws {
        try await withServer { server in
            let agent = server.client()
            let reader = server.client(key: TestServer.readerKey)
            let held = try await agent.hold([seat("C1"), seat("C2")], show: 0, for: .seconds(60))
            _ = try await agent.confirm(held.hold)
            _ = try await agent.hold([seat("D5")], show: 0, for: .seconds(60))

            let first = try await reader.seatMap(show: 0)
            #expect(first.version != 0)
            let map = try #require(first.map)
            Self.expectSameSeats(map, as: try await reader.availability(show: 0))
            #expect(map.states.form == .runs && map.states.bytes.count < 16, "\(map.states)")

            let unchanged = try await reader.seatMap(show: 0, knownVersion: first.version)
            #expect(unchanged.version == first.version && unchanged.map == nil)
            #expect(try await Self.statistic("seat_maps_unchanged", of: reader) == 1)
            // Another client without a version is served the map kept for it.
            #expect(try await agent.seatMap(show: 0) == first)
            #expect(try await Self.statistic("seat_maps_cached", of: reader) == 1)

            let second = try await agent.hold([seat("E7")], show: 0, for: .seconds(60))
            let changed = try await reader.seatMap(show: 0, knownVersion: first.version)
            #expect(changed.version != first.version)
            Self.expectSameSeats(try #require(changed.map), as: try await reader.availability(show: 0))
            try await agent.release(second.hold)
            let released = try await reader.seatMap(show: 0, knownVersion: changed.version)
            #expect(released.map?.counts.held == 1, "D5 alone is held again")

            try await server.client(key: TestServer.adminKey).cancelShow(0)
            let cancelled = try await reader.seatMap(show: 0, knownVersion: released.version)
            #expect(cancelled.map?.isCancelled == true)

            #expect(await refusal { try await reader.seatMap(show: 77) }?.code == .unknownShow)
            #expect(await refusal { try await reader.seatMap(show: 77, knownVersion: first.version) }?.code == .unknownShow)
        }
    }

    /// A version from another run of the server (here: another service over the same engine,
    /// whose counts are the same) is not taken for the current one.
    @Test func aVersionFromAnotherRunOfTheServerIsNotCurrent() async throws {
        try await withServer { server in
            let first = server.service
            let restarted = SeatService(
                engine: first.engine, catalog: first.catalog, clock: first.clock, statistics: first.statistics)
            guard case .success(.seatMap(let before)) = first.execute(.seatMap(show: 0, knownVersion: 0)),
                case .success(.seatMap(let after)) = restarted.execute(.seatMap(show: 0, knownVersion: before.version))
            else {
                Issue.record("SEAT_MAP was refused")
                return
            }
            #expect(after.map != nil && after.version != before.version)
            #expect(after.version & 0xff_ffff_ffff == before.version & 0xff_ffff_ffff, "the engine's count is the same")
        }
    }

    /// Writers hold, confirm, release and cancel on real threads while a reader polls with the
    /// version it last saw; whenever the writers pause, the reader's map (kept or refreshed) must
    /// be the show's seats exactly: "unchanged" is never said of a map that is stale. Every map
    /// answered mid-change must also agree with its own counts.
    @Test(arguments: randomizedSeeds(fixed: 2))
    func aPollingReaderIsNeverLeftWithAStaleMap(seed: UInt64) async throws {
        try await withServer { server in
            let service = server.service
            let show = ShowID(rawValue: 0)
            let seatCount = UInt32(try service.engine.availability(of: show).seats.seatCount)
            for round in 0..<12 {
                let writing = NIOLockedValueBox(true)
                let inconsistent = NIOLockedValueBox(0)
                let kept = NIOLockedValueBox<(version: UInt64, map: SeatMapContents?)>((0, nil))
                await runOnThreads(3) { thread in
                    guard thread > 0 else {
                        // The reader.
                        while writing.withLockedValue({ $0 }) {
                            Self.poll(service, kept: kept, inconsistent: inconsistent)
                        }
                        return
                    }
                    var random = SeededGenerator(seed: seed &+ UInt64(round * 7 + thread))
                    Self.write(service, seatCount: seatCount, operations: 400, random: &random)
                    if thread == 1 { writing.withLockedValue { $0 = false } }
                }
                // Writers done: one more poll must leave the reader with the show as it is.
                Self.poll(service, kept: kept, inconsistent: inconsistent)
                let availability = service.execute(.availability(show: 0))
                guard case .success(.availability(let now)) = availability else {
                    Issue.record("seed \(seed): availability answered \(availability)")
                    return
                }
                let map = try #require(kept.withLockedValue { $0.map }, "seed \(seed), round \(round)")
                Self.expectSameSeats(map, as: now, "seed \(seed), round \(round)")
                #expect(inconsistent.withLockedValue { $0 } == 0, "seed \(seed), round \(round)")
            }
        }
    }

    /// Without concurrency the promise is exact: after every request, two readers polling with
    /// the versions they kept (the second often served from the kept map) hold the show's seats.
    @Test(arguments: randomizedSeeds(fixed: 2))
    func afterEveryChangeAReaderWithItsVersionHasTheShowAsItIs(seed: UInt64) async throws {
        try await withServer { server in
            let service = server.service
            let seatCount = UInt32(try service.engine.availability(of: ShowID(rawValue: 0)).seats.seatCount)
            let readers = (0..<2).map { _ in NIOLockedValueBox<(version: UInt64, map: SeatMapContents?)>((0, nil)) }
            let inconsistent = NIOLockedValueBox(0)
            var random = SeededGenerator(seed: seed)
            var checks = 0
            Self.write(service, seatCount: seatCount, operations: 300, random: &random) {
                guard case .success(.availability(let now)) = service.execute(.availability(show: 0)) else { return }
                for reader in readers {
                    Self.poll(service, kept: reader, inconsistent: inconsistent)
                    guard let map = reader.withLockedValue({ $0.map }) else { continue }
                    Self.expectSameSeats(map, as: now, "seed \(seed), after request \(checks)")
                }
                checks += 1
            }
            #expect(checks > 300 && inconsistent.withLockedValue { $0 } == 0, "seed \(seed)")
        }
    }

    /// One SEAT_MAP with the version kept; a full map replaces what was kept.
    static func poll(_ service: SeatService, kept: NIOLockedValueBox<(version: UInt64, map: SeatMapContents?)>, inconsistent: NIOLockedValueBox<Int>) {
        let known = kept.withLockedValue { $0.version }
        guard case .success(.seatMap(let reply)) = service.execute(.seatMap(show: 0, knownVersion: known)) else {
            inconsistent.withLockedValue { $0 += 1 }
            return
        }
        guard let map = reply.map else { return }
        if !countsMatchStates(map) { inconsistent.withLockedValue { $0 += 1 } }
        kept.withLockedValue { $0 = (reply.version, map) }
    }

    static func countsMatchStates(_ map: SeatMapContents) -> Bool {
        guard let states = try? map.states.bitmaps(seatCount: Int(map.seatCount)) else { return false }
        func count(_ words: [UInt64]) -> UInt32 { UInt32(words.reduce(0) { $0 + $1.nonzeroBitCount }) }
        let taken = count(states.taken)
        return map.counts.sold == count(states.sold) && map.counts.blocked == count(states.blocked)
            && map.counts.held == taken - count(states.sold) - count(states.blocked)
            && map.counts.free == map.seatCount - taken
    }

    /// Random holds of one to three seats (some refused, after touching seats they roll back),
    /// each then confirmed, released or left; bookings cancelled now and then. `afterEach` runs
    /// after every request.
    static func write(
        _ service: SeatService, seatCount: UInt32, operations: Int, random: inout SeededGenerator,
        afterEach: () -> Void = {}
    ) {
        var bookings: [UInt64] = []
        func execute(_ request: Request) -> Response? {
            defer { afterEach() }
            guard case .success(let response) = service.execute(request) else { return nil }
            return response
        }
        for _ in 0..<operations {
            let first = UInt32.random(in: 0..<seatCount - 3, using: &random)
            let seats = Array(first..<first + UInt32.random(in: 1...3, using: &random))
            guard case .held(let held)? = execute(.hold(HoldRequest(show: 0, holdMilliseconds: 60_000, seats: seats))) else {
                continue
            }
            switch Int.random(in: 0..<8, using: &random) {
            case 0, 1:
                if case .booked(let booking)? = execute(.confirm(ReservationCommand(id: held.hold))) { bookings.append(booking) }
            case 7: break  // left held, for the rest of the test
            default: _ = execute(.release(ReservationCommand(id: held.hold)))
            }
            if let booking = bookings.last, Int.random(in: 0..<3, using: &random) == 0 {
                _ = execute(.cancelBooking(ReservationCommand(id: booking)))
                bookings.removeLast()
            }
        }
    }
}
