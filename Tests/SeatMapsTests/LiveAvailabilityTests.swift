import Foundation
import SeatClient
import SeatMaps
import SeatProtocol
import SeatSamples
import SeatTestSupport
import Testing

@Suite("Live seat views fed by a real seatd's subscriptions", .timeLimit(.minutes(2)))
struct LiveAvailabilityTests {
    /// Reads `show` until `condition` holds (the feed applies events a moment after they happen); 5 s at most.
    static func reading(
        _ live: LiveAvailability, _ show: UInt32, until condition: (SeatAvailability) -> Bool
    ) async throws -> LiveAvailability.Reading {
        for _ in 0..<100 {
            let reading = try await live.availability(show: show)
            if condition(reading.availability) { return reading }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw CancellationError()
    }

    static func waitUntil(_ condition: () async -> Bool) async throws {
        for _ in 0..<100 {
            if await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("the condition did not hold within 5 s")
    }

    @Test func theLeastRecentlyReadShowMakesRoomAndComesBackCurrent() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try await SeatdProcess.with(dataDirectory: directory.path + "/seatd", arguments: []) { seatd in
            let admin = try await seatd.connect()
            let (layout, _) = try await admin.defineLayout(json: Array(try JSONEncoder().encode(SampleVenues.cinema())))
            var shows: [UInt32] = []
            for _ in 0..<3 {
                shows.append(try await admin.createShow(
                    CreateShowRequest(layout: layout, seatsPerHoldMax: 10, holdLifetimeSeconds: 600, forbidsSingleSeatGaps: false)))
            }
            let port = seatd.port
            let live = LiveAvailability(showsWatchedMax: 2) { () async throws(SeatClientError) -> SeatConnection in
                try await SeatConnection.connect(host: "127.0.0.1", port: port, apiKey: SeatdProcess.apiKey)
            }

            let first = try await live.availability(show: shows[0])
            #expect(first.availability.state(of: 0) == .free && first.availability.seatCount == 300)
            _ = try await live.availability(show: shows[1])
            #expect(await live.watchedShows == 2)

            // A change to a watched show arrives as an event, under a new version.
            _ = try await admin.hold([10, 11], show: shows[1], for: .seconds(600))
            let changed = try await Self.reading(live, shows[1]) { $0.state(of: 10) == .held }
            #expect(changed.availability.state(of: 11) == .held && changed.availability.sequence == 1)

            // A third show evicts the least recently read (the first); a hold made on it meanwhile
            // is in its view when it is read again, from a fresh subscription.
            _ = try await live.availability(show: shows[2])
            try await Self.waitUntil { await live.watchedShows == 2 }
            _ = try await admin.hold([0], show: shows[0], for: .seconds(600))
            let again = try await live.availability(show: shows[0])
            #expect(again.availability.state(of: 0) == .held)
            try await Self.waitUntil { await live.watchedShows == 2 }

            await #expect(throws: SeatMapError.unknownShow) { try await live.availability(show: 999) }
            await live.shutDown()
            await #expect(throws: SeatMapError.seatServerUnavailable) { try await live.availability(show: shows[0]) }
            await admin.close()
        }
    }

    @Test func listenersAreCountedOverEveryShowAndRefusedBeyondTheLimit() async throws {
        let live = LiveAvailability(listenersMax: 2) { () async throws(SeatClientError) -> SeatConnection in
            throw .connectionClosed
        }
        let (_, first) = AsyncStream<Void>.makeStream()
        let (_, second) = AsyncStream<Void>.makeStream()
        let (_, third) = AsyncStream<Void>.makeStream()
        let a = try await live.listen(show: 1, first)
        let b = try await live.listen(show: 2, second)
        let listening = await live.listening
        #expect(a != b && listening == 2)
        #expect(await !live.hasRoomForListener)
        await #expect(throws: SeatMapError.busy) { try await live.listen(show: 1, third) }
        // Stopping twice, or a listener that is not there, frees nothing more.
        await live.stopListening(show: 1, id: a)
        await live.stopListening(show: 1, id: a)
        await live.stopListening(show: 2, id: a)
        #expect(await live.listening == 1)
        #expect(await live.hasRoomForListener)
        _ = try await live.listen(show: 1, third)
        #expect(await live.listening == 2)
    }
}
