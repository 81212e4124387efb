import BoxOfficeEdge
import Catalog
import Foundation
import HTTPTypes
import HummingbirdTesting
import SeatClient
import SeatInventory
import SeatProtocol
import SeatSamples
import SeatTestSupport
import Testing

@Suite("The catalog: movies, theatres, screens and showtimes, kept in step with seatd", .timeLimit(.minutes(3)))
struct CatalogTests {
    static let movie = #"""
    {"title":"Interstellar","synopsis":"Explorers travel through a wormhole.","genres":["Sci-Fi","Drama"],
     "languages":["English","Hindi"],"formats":["2D","IMAX"],"runtimeMinutes":169,"certification":"UA",
     "releaseDate":"2014-11-07","cast":[{"name":"Matthew McConaughey","role":"Cooper"}],
     "posterUrl":"https://example.com/interstellar.jpg"}
    """#
    static let theatre = #"""
    {"id":"pvr-pune","chain":"PVR","name":"PVR Phoenix","address":"Viman Nagar","city":"Pune",
     "latitude":18.562,"longitude":73.917,"timeZone":"Asia/Kolkata","amenities":["Parking"]}
    """#

    static var screen: String {
        let layout = String(decoding: try! JSONEncoder().encode(SampleVenues.cinema()), as: UTF8.self)
        return #"{"name":"Audi 1","layout":\#(layout)}"#
    }

    /// Tomorrow at 19:30 in India, as ISO 8601.
    static func tomorrowEvening() -> (iso: String, date: String) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Kolkata")!
        let tomorrow = calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: Date()))!
        let evening = calendar.date(bySettingHour: 19, minute: 30, second: 0, of: tomorrow)!
        let formatter = ISO8601DateFormatter()
        let date = calendar.dateComponents([.year, .month, .day], from: tomorrow)
        return (formatter.string(from: evening), String(format: "%04d-%02d-%02d", date.year!, date.month!, date.day!))
    }

    @Test(arguments: TestEngine.allCases)
    func aShowtimeMadeOverHTTPIsAShowInSeatdAndIsFoundBySearch(engine: TestEngine) async throws {
        try await Harness.withAppAndSeatd(engine) { client, components, seatd in
            let steps = AccountSteps(client: client, components: components)
            let admin = try await steps.newAdmin()
            let movieResponse = try await client.request(.post, "/api/v1/admin/movies", token: admin.accessToken, json: Self.movie)
            #expect(movieResponse.status == .created, "\(movieResponse.text)")
            let movie: Movie = try movieResponse.json()
            let theatreResponse = try await client.request(.post, "/api/v1/admin/theatres", token: admin.accessToken, json: Self.theatre)
            #expect(theatreResponse.status == .created, "\(theatreResponse.text)")

            // A staff member of the theatre builds its screen and schedules the showtime.
            let staff = try await steps.newCustomer("staff@example.com")
            try await client.request(.patch, "/api/v1/admin/users/\(staff.user.id)", token: admin.accessToken,
                                     json: #"{"roles":["customer","staff"],"theatreIds":["pvr-pune"]}"#)
            let staffTokens: AccountSteps.Tokens = try await client.request(
                .post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(staff.refreshToken)"}"#).json()
            let screenResponse = try await client.request(.post, "/api/v1/theatres/pvr-pune/screens", token: staffTokens.accessToken,
                                                          json: Self.screen)
            #expect(screenResponse.status == .created, "\(screenResponse.text)")
            let screen: Screen = try screenResponse.json()
            #expect(screen.seatCount == 300)
            let evening = Self.tomorrowEvening()
            let prices = screen.categories.map { #""\#($0.id)":\#(25_000 + 5_000 * ($0.id.count % 3))"# }.joined(separator: ",")
            let showtimeBody = #"{"movieId":"\#(movie.id)","screenId":"\#(screen.id)","startsAt":"\#(evening.iso)","language":"english","format":"IMAX","prices":{\#(prices)},"currency":"INR"}"#
            let showtimeResponse = try await client.request(.post, "/api/v1/theatres/pvr-pune/showtimes", token: staffTokens.accessToken,
                                                            json: showtimeBody)
            #expect(showtimeResponse.status == .created, "\(showtimeResponse.text)")
            let showtime: Showtime = try showtimeResponse.json()
            #expect(showtime.language == "English")

            // seatd has the layout and an open show of 300 seats.
            let connection = try await seatd.connect()
            let shows = try await connection.shows()
            #expect(shows.count == 1 && shows[0].seatCount == 300 && !shows[0].isCancelled)

            // The same screen at an overlapping time is refused.
            let overlap = try await client.request(.post, "/api/v1/theatres/pvr-pune/showtimes", token: staffTokens.accessToken,
                                                   json: showtimeBody)
            #expect(overlap.status == .conflict)
            #expect(try overlap.problem().code == "screen_busy")

            // A newcomer finds it with a typo, in their city, tomorrow evening.
            let search = try await client.request(
                .get, "/api/v1/search?q=Intersteller&city=Pune&date=\(evening.date)&timeZone=Asia/Kolkata&time=evening")
            #expect(search.status == .ok, "\(search.text)")
            let found: CatalogAPI.SearchResponse = try search.json()
            #expect(found.hits.map(\.movie.id) == [movie.id])
            #expect(found.hits.first?.showtimes.map(\.id) == [showtime.id])
            #expect(found.facets["format"] == ["imax": 1])
            let suggestions: CatalogAPI.Suggestions = try await client.request(.get, "/api/v1/suggest?q=inters").json()
            #expect(suggestions.suggestions == ["Interstellar"])
            let details: CatalogAPI.MovieDetails = try await client.request(.get, "/api/v1/movies/\(movie.id)").json()
            #expect(details.schedule.map(\.date) == [evening.date])
            #expect(details.schedule.first?.theatres.first?.showtimes.map(\.id) == [showtime.id])

            // Listings per city, theatres, and conditional reads.
            let listing = try await client.request(.get, "/api/v1/movies?city=pune")
            let movies: CatalogAPI.Listing = try listing.json()
            #expect(movies.nowShowing.map(\.id) == [movie.id])
            #expect(try await client.request(.get, "/api/v1/movies?city=Delhi").json(CatalogAPI.Listing.self).nowShowing.isEmpty)
            let theatres: CatalogAPI.Theatres = try await client.request(.get, "/api/v1/theatres?city=PUNE").json()
            #expect(theatres.theatres.map(\.id) == ["pvr-pune"])
            let theatreDetails: CatalogAPI.TheatreDetails = try await client.request(.get, "/api/v1/theatres/pvr-pune").json()
            #expect(theatreDetails.screens.map(\.id) == [screen.id] && theatreDetails.showtimes.map(\.id) == [showtime.id])
            let tag = try #require(listing.headers[.eTag])
            #expect(listing.headers[.cacheControl] == "public, max-age=30")
            let unchanged = try await client.request(.get, "/api/v1/movies?city=pune", headers: [.ifNoneMatch: tag])
            #expect(unchanged.status == .notModified)
            #expect(unchanged.body.readableBytes == 0)

            // Cancelled: the show is cancelled in seatd, and search no longer offers it.
            let cancel = try await client.request(.post, "/api/v1/theatres/pvr-pune/showtimes/\(showtime.id)/cancel",
                                                  token: staffTokens.accessToken)
            #expect(cancel.status == .ok, "\(cancel.text)")
            #expect(try await connection.shows().first?.isCancelled == true)
            let after: CatalogAPI.SearchResponse = try await client.request(.get, "/api/v1/search?q=interstellar&city=pune").json()
            #expect(after.hits.isEmpty)
            let changed = try await client.request(.get, "/api/v1/movies?city=pune", headers: [.ifNoneMatch: tag])
            #expect(changed.status == .ok && changed.headers[.eTag] != tag)
            await connection.close()
        }
    }

    @Test(arguments: TestEngine.allCases)
    func onlyAdminsAndTheTheatresOwnStaffChangeTheCatalog(engine: TestEngine) async throws {
        try await Harness.withAppAndSeatd(engine) { client, components, _ in
            let steps = AccountSteps(client: client, components: components)
            let admin = try await steps.newAdmin()
            try await client.request(.post, "/api/v1/admin/theatres", token: admin.accessToken, json: Self.theatre)
            let customer = try await steps.newCustomer("customer@example.com")
            let other = try await steps.newCustomer("other-staff@example.com")
            try await client.request(.patch, "/api/v1/admin/users/\(other.user.id)", token: admin.accessToken,
                                     json: #"{"roles":["staff"],"theatreIds":["inox-mumbai"]}"#)
            let otherStaff: AccountSteps.Tokens = try await client.request(
                .post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(other.refreshToken)"}"#).json()

            #expect(try await client.request(.post, "/api/v1/admin/movies", json: Self.movie).status == .unauthorized)
            #expect(try await client.request(.post, "/api/v1/admin/movies", token: customer.accessToken, json: Self.movie).status == .forbidden)
            for token in [customer.accessToken, otherStaff.accessToken] {
                let response = try await client.request(.post, "/api/v1/theatres/pvr-pune/screens", token: token, json: Self.screen)
                #expect(response.status == .forbidden)
            }
            #expect(try await client.request(.post, "/api/v1/theatres/pvr-pune/screens", json: Self.screen).status == .unauthorized)
            // An admin may act for any theatre.
            let byAdmin = try await client.request(.post, "/api/v1/theatres/pvr-pune/screens", token: admin.accessToken, json: Self.screen)
            #expect(byAdmin.status == .created)
        }
    }

    @Test func badInputNamesTheField() async throws {
        try await Harness.withAppAndSeatd(.sqlite) { client, components, _ in
            let admin = try await AccountSteps(client: client, components: components).newAdmin()
            let movies: [(String, String)] = [
                (Self.movie.replacingOccurrences(of: #""runtimeMinutes":169"#, with: #""runtimeMinutes":0"#), "runtimeMinutes"),
                (Self.movie.replacingOccurrences(of: "2014-11-07", with: "2014-02-30"), "releaseDate"),
                (Self.movie.replacingOccurrences(of: "https://example.com/interstellar.jpg", with: "javascript:alert(1)"), "posterUrl"),
                (Self.movie.replacingOccurrences(of: #""languages":["English","Hindi"]"#, with: #""languages":[]"#), "languages"),
            ]
            for (body, field) in movies {
                let response = try await client.request(.post, "/api/v1/admin/movies", token: admin.accessToken, json: body)
                #expect(response.status == .unprocessableContent, "\(field)")
                #expect(try response.problem().errors?.first?.field == field)
            }
            let badZone = Self.theatre.replacingOccurrences(of: "Asia/Kolkata", with: "Mars/Olympus")
            let zone = try await client.request(.post, "/api/v1/admin/theatres", token: admin.accessToken, json: badZone)
            #expect(try zone.problem().errors?.first?.field == "timeZone")
            try await client.request(.post, "/api/v1/admin/theatres", token: admin.accessToken, json: Self.theatre)
            let again = try await client.request(.post, "/api/v1/admin/theatres", token: admin.accessToken, json: Self.theatre)
            #expect(again.status == .conflict)

            let brokenLayout = try await client.request(.post, "/api/v1/theatres/pvr-pune/screens", token: admin.accessToken,
                                                        json: #"{"name":"Audi 2","layout":{"categories":[{"id":"x","name":"X"}],"sections":"none"}}"#)
            #expect(brokenLayout.status == .unprocessableContent)
            #expect(try brokenLayout.problem().code == "seat_server_refused")
            let searchLimit = try await client.request(.get, "/api/v1/search?limit=1000")
            #expect(try searchLimit.problem().errors?.first?.field == "limit")
            let searchTime = try await client.request(.get, "/api/v1/search?time=brunch")
            #expect(try searchTime.problem().errors?.first?.field == "time")
        }
    }
}

@Suite("Changing movies and theatres by merge patches", .timeLimit(.minutes(2)))
struct CatalogPatchTests {
    @Test(arguments: TestEngine.allCases)
    func aPatchChangesOnlyWhatItNamesAndIsValidatedWhole(engine: TestEngine) async throws {
        try await Harness.withApp(engine, configure: Harness.generousRateLimits) { client, components in
            let steps = AccountSteps(client: client, components: components)
            let admin = try await steps.newAdmin()
            let movie: Movie = try await client.request(.post, "/api/v1/admin/movies", token: admin.accessToken, json: CatalogTests.movie).json()
            let path = "/api/v1/admin/movies/\(movie.id)"

            let renamed = try await client.request(.patch, path, token: admin.accessToken,
                                                   json: #"{"title":"Interstellar (Re-release)","posterUrl":null}"#)
            #expect(renamed.status == .ok, "\(renamed.text)")
            let changed: Movie = try renamed.json()
            #expect(changed.title == "Interstellar (Re-release)" && changed.posterUrl == nil)
            #expect(changed.runtimeMinutes == movie.runtimeMinutes && changed.cast == movie.cast && changed.id == movie.id)
            let details: CatalogAPI.MovieDetails = try await client.request(.get, "/api/v1/movies/\(movie.id)").json()
            #expect(details.movie == changed)
            #expect(try await client.request(.get, "/api/v1/suggest?q=re-rel").json(CatalogAPI.Suggestions.self).suggestions
                == ["Interstellar (Re-release)"])

            let refusals: [(String, HTTPResponse.Status, String?)] = [
                (#"{"runtimeMinutes":0}"#, .unprocessableContent, "runtimeMinutes"),
                (#"{"title":null}"#, .badRequest, nil),
                (#"{"id":"00000000-0000-0000-0000-000000000000"}"#, .unprocessableContent, "id"),
                (#"["title"]"#, .badRequest, nil),
            ]
            for (body, status, field) in refusals {
                let response = try await client.request(.patch, path, token: admin.accessToken, json: body)
                #expect(response.status == status, "\(body): \(response.text)")
                if let field { #expect(try response.problem().errors?.first?.field == field, "\(body)") }
            }
            // The refused patches changed nothing.
            #expect(try await client.request(.get, "/api/v1/movies/\(movie.id)").json(CatalogAPI.MovieDetails.self).movie == changed)
            // The id repeated unchanged is fine.
            #expect(try await client.request(.patch, path, token: admin.accessToken, json: #"{"id":"\#(movie.id)"}"#).status == .ok)
            #expect(try await client.request(.patch, "/api/v1/admin/movies/\(UUID().uuidString.lowercased())", token: admin.accessToken,
                                             json: "{}").status == .notFound)
            let customer = try await steps.newCustomer("customer@example.com")
            #expect(try await client.request(.patch, path, token: customer.accessToken, json: "{}").status == .forbidden)
        }
    }

    @Test func theatreStaffChangeTheirOwnTheatreOnly() async throws {
        try await Harness.withApp(.sqlite, configure: Harness.generousRateLimits) { client, components in
            let steps = AccountSteps(client: client, components: components)
            let admin = try await steps.newAdmin()
            try await client.request(.post, "/api/v1/admin/theatres", token: admin.accessToken, json: CatalogTests.theatre)
            let other = CatalogTests.theatre.replacingOccurrences(of: "pvr-pune", with: "pvr-goa")
            try await client.request(.post, "/api/v1/admin/theatres", token: admin.accessToken, json: other)
            let staff = try await steps.newCustomer("staff@example.com")
            try await client.request(.patch, "/api/v1/admin/users/\(staff.user.id)", token: admin.accessToken,
                                     json: #"{"roles":["staff"],"theatreIds":["pvr-pune"]}"#)
            let tokens: AccountSteps.Tokens = try await client.request(
                .post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(staff.refreshToken)"}"#).json()

            let moved = try await client.request(.patch, "/api/v1/theatres/pvr-pune", token: tokens.accessToken,
                                                 json: #"{"name":"PVR Phoenix Marketcity","amenities":["Parking","Recliners"]}"#)
            #expect(moved.status == .ok, "\(moved.text)")
            let theatre: CatalogAPI.TheatreDetails = try await client.request(.get, "/api/v1/theatres/pvr-pune").json()
            #expect(theatre.theatre.name == "PVR Phoenix Marketcity" && theatre.theatre.amenities == ["Parking", "Recliners"])
            #expect(theatre.theatre.city == "Pune")
            let badZone = try await client.request(.patch, "/api/v1/theatres/pvr-pune", token: tokens.accessToken,
                                                   json: #"{"timeZone":"Mars/Olympus"}"#)
            #expect(try badZone.problem().errors?.first?.field == "timeZone")
            #expect(try await client.request(.patch, "/api/v1/theatres/pvr-goa", token: tokens.accessToken, json: "{}").status == .forbidden)
            #expect(try await client.request(.patch, "/api/v1/theatres/pvr-goa", token: admin.accessToken, json: #"{"city":"Panaji"}"#)
                .status == .ok)
            #expect(try await client.request(.get, "/api/v1/theatres?city=panaji").json(CatalogAPI.Theatres.self).theatres.map(\.id)
                == ["pvr-goa"])
        }
    }
}
