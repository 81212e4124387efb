import BoxOfficeApp
import Catalog
import Foundation
import HTTPTypes
import HummingbirdTesting
import SeatClient
import SeatTestSupport
import Testing

@Suite("A showtime's seat map, kept live by a seatd subscription", .timeLimit(.minutes(3)))
struct SeatMapTests {
    struct SeatMap: Decodable {
        struct Category: Decodable {
            var id: String
            var price: Int64?
            var free: Int
        }
        struct Section: Decodable {
            struct Row: Decodable {
                struct Seat: Decodable {
                    var index: Int
                    var label: String
                    var flags: [String]?
                }
                var label: String
                var seats: [Seat]
            }
            var rows: [Row]
        }
        var showtimeId: String
        var sequence: UInt64
        var counts: [String: Int]
        var categories: [Category]
        var availability: String
        var sections: [Section]

        func state(of label: String) -> Character? {
            let seats = sections.flatMap(\.rows).flatMap(\.seats)
            guard let seat = seats.first(where: { $0.label == label }) else { return nil }
            return availability[availability.index(availability.startIndex, offsetBy: seat.index)]
        }
    }

    /// Reads the seat map until `condition` holds: the feed applies seatd's events a moment
    /// after they happen. Bounded to 5 s.
    static func seatMap(
        _ client: any TestClientProtocol, _ showtimeID: String, until condition: (SeatMap) -> Bool
    ) async throws -> (SeatMap, String) {
        for _ in 0..<100 {
            let response = try await client.request(.get, "/api/v1/showtimes/\(showtimeID)/seats")
            #expect(response.status == .ok, "\(response.text)")
            let map: SeatMap = try response.json()
            if condition(map) { return (map, try #require(response.headers[.eTag])) }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw CancellationError()
    }

    /// An admin schedules tomorrow evening's showtime on a 300-seat screen of a new theatre.
    static func scheduleShowtime(
        _ client: any TestClientProtocol, _ components: BoxOfficeComponents
    ) async throws -> (showtime: Showtime, adminToken: String) {
        let admin = try await AccountSteps(client: client, components: components).newAdmin()
        let movie: Movie = try await client.request(.post, "/api/v1/admin/movies", token: admin.accessToken, json: CatalogTests.movie).json()
        try await client.request(.post, "/api/v1/admin/theatres", token: admin.accessToken, json: CatalogTests.theatre)
        let screen: Screen = try await client.request(
            .post, "/api/v1/theatres/pvr-pune/screens", token: admin.accessToken, json: CatalogTests.screen).json()
        let body = #"{"movieId":"\#(movie.id)","screenId":"\#(screen.id)","startsAt":"\#(CatalogTests.tomorrowEvening().iso)","language":"English","format":"2D","prices":{"standard":25000,"premium":40000},"currency":"INR"}"#
        let showtime: Showtime = try await client.request(
            .post, "/api/v1/theatres/pvr-pune/showtimes", token: admin.accessToken, json: body).json()
        return (showtime, admin.accessToken)
    }

    /// Bookings reach seatd with an agent's key, which cannot define shows: given no admin key,
    /// the catalog's screens are refused by seatd, and the API says that this is the box office's
    /// configuration, with nothing stored.
    @Test func anAgentsKeyAloneCannotDefineScreens() async throws {
        try await Harness.withAppAndSeatd(.sqlite, configure: { configuration in
            configuration.seatd?.adminKey = nil
        }) { client, components, _ in
            let admin = try await AccountSteps(client: client, components: components).newAdmin()
            try await client.request(.post, "/api/v1/admin/theatres", token: admin.accessToken, json: CatalogTests.theatre)
            let screen = try await client.request(.post, "/api/v1/theatres/pvr-pune/screens", token: admin.accessToken,
                                                  json: CatalogTests.screen)
            #expect(screen.status == .serviceUnavailable, "\(screen.text)")
            let problem = try screen.problem()
            #expect(problem.code == "seat_server_key_not_allowed")
            #expect(problem.detail?.contains("DEFINE_LAYOUT needs the admin role; this key is agent") == true, "\(problem)")
            let screens = try await components.database.withSession { session in
                try await session.raw("SELECT COUNT(*) AS count FROM screens").first()?.decode(column: "count", as: Int.self)
            }
            #expect(screens == 0)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func theSeatMapFollowsHoldsAndSalesInSeatd(engine: TestEngine) async throws {
        try await Harness.withAppAndSeatd(engine) { client, components, seatd in
            let (showtime, adminToken) = try await Self.scheduleShowtime(client, components)

            // A fresh show: every seat free but the house seat F13.
            let first = try await client.request(.get, "/api/v1/showtimes/\(showtime.id)/seats")
            #expect(first.status == .ok, "\(first.text)")
            #expect(first.headers[.cacheControl] == "no-cache")
            let fresh: SeatMap = try first.json()
            #expect(fresh.showtimeId == showtime.id)
            #expect(fresh.availability.count == 300)
            #expect(fresh.counts == ["free": 299, "held": 0, "sold": 0, "blocked": 1])
            #expect(fresh.state(of: "F13") == "b" && fresh.state(of: "A1") == "f")
            #expect(fresh.categories.map(\.id) == ["standard", "premium"])
            #expect(fresh.categories.map(\.price) == [25000, 40000])
            #expect(fresh.categories.map(\.free) == [199, 100])
            #expect(fresh.sections.flatMap(\.rows).first?.seats.first?.flags == ["accessible"])
            let freshTag = try #require(first.headers[.eTag])
            #expect(try await client.request(.get, "/api/v1/showtimes/\(showtime.id)/seats", headers: [.ifNoneMatch: freshTag])
                .status == .notModified)

            // Someone holds three seats through seatd: the map shows them held, under a new tag.
            let connection = try await seatd.connect()
            let show = try #require(try await connection.shows().first?.show)
            let seatIndex = { (label: String) in UInt32(fresh.sections.flatMap(\.rows).flatMap(\.seats).first { $0.label == label }!.index) }
            let hold = try await connection.hold(["B5", "B6", "B7"].map(seatIndex), show: show, for: .seconds(600))
            let (held, heldTag) = try await Self.seatMap(client, showtime.id) { $0.counts["held"] == 3 }
            #expect(held.state(of: "B6") == "h" && held.sequence > fresh.sequence)
            #expect(heldTag != freshTag)
            #expect(try await client.request(.get, "/api/v1/showtimes/\(showtime.id)/seats", headers: [.ifNoneMatch: freshTag])
                .status == .ok)

            // Sold, then one booking cancelled: back to free.
            let booking = try await connection.confirm(hold.hold)
            let (sold, _) = try await Self.seatMap(client, showtime.id) { $0.counts["sold"] == 3 }
            #expect(sold.state(of: "B5") == "s" && sold.categories[0].free == 196)
            try await connection.cancelBooking(booking)
            let (freed, _) = try await Self.seatMap(client, showtime.id) { $0.counts["free"] == 299 }
            #expect(freed.state(of: "B7") == "f")
            await connection.close()

            // A cancelled showtime's seats are gone; an unknown one is not found.
            try await client.request(.post, "/api/v1/theatres/pvr-pune/showtimes/\(showtime.id)/cancel", token: adminToken)
            let gone = try await client.request(.get, "/api/v1/showtimes/\(showtime.id)/seats")
            #expect(gone.status == .gone)
            #expect(try gone.problem().code == "showtime_cancelled")
            let unknown = try await client.request(.get, "/api/v1/showtimes/\(UUID().uuidString.lowercased())/seats")
            #expect(unknown.status == .notFound)
            #expect(try await client.request(.get, "/api/v1/showtimes/not-an-id/seats").status == .notFound)
        }
    }

    @Test func aLostSeatServerIsAnsweredWith503() async throws {
        try await Harness.withAppAndSeatd(.sqlite) { client, components, seatd in
            let (showtime, _) = try await Self.scheduleShowtime(client, components)
            #expect(try await client.request(.get, "/api/v1/showtimes/\(showtime.id)/seats").status == .ok)
            try await seatd.kill()
            var last: TestResponse?
            for _ in 0..<100 {
                last = try await client.request(.get, "/api/v1/showtimes/\(showtime.id)/seats")
                if last?.status != .ok { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            let response = try #require(last)
            #expect(response.status == .serviceUnavailable, "\(response.text)")
            #expect(try response.problem().code == "seat_server_unavailable")
            #expect(response.headers[.retryAfter] != nil)
        }
    }
}
