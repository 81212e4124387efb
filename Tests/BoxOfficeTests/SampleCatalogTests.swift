import BoxOfficeSamples
import Catalog
import Foundation
import HummingbirdTesting
import Search
import SeatTestSupport
import Testing

@Suite("The sample catalog the run command loads", .timeLimit(.minutes(5)))
struct SampleCatalogTests {
    @Test func itLoadsIntoSeatdAndANewcomerFindsAMistypedFilmTomorrowEvening() async throws {
        try await Harness.withAppAndSeatd(.sqlite) { client, components, seatd in
            #expect(try await components.catalog.isEmpty())
            let loaded = try await SampleCatalog.load(into: components.catalog, today: Date())
            #expect(loaded.movies == 40 && loaded.theatres == 12)
            // Thirteen whole days at least: today's showings may all have begun (after 21:30 in Kolkata).
            #expect(loaded.showtimes >= 12 * 3 * 4 * 13)
            let connection = try await seatd.connect()
            #expect(try await connection.shows().count == loaded.showtimes)
            await connection.close()

            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "Asia/Kolkata")!
            let tomorrow = calendar.dateComponents([.year, .month, .day], from: calendar.date(byAdding: .day, value: 1, to: Date())!)
            let date = String(format: "%04d-%02d-%02d", tomorrow.year!, tomorrow.month!, tomorrow.day!)
            let found: CatalogAPI.SearchResponse = try await client.request(
                .get, "/api/v1/search?q=Intersteller&city=Pune&date=\(date)&timeZone=Asia/Kolkata&time=evening").json()
            #expect(found.hits.map(\.movie.title) == ["Interstellar"])
            #expect(found.hits.first?.showtimes.allSatisfy { $0.city == "Pune" } == true)
            #expect(found.hits.first?.showtimes.isEmpty == false)
            #expect(!(try await components.catalog.isEmpty()))
        }
    }
}

@Suite("A generated catalog imported at once", .timeLimit(.minutes(3)))
struct CatalogImportTests {
    static func small(seed: UInt64) -> CatalogImport {
        var generator = GeneratedCatalog()
        generator.movies = 60
        generator.nowShowingMovies = 30
        generator.comingSoonMovies = 10
        generator.theatres = 12
        generator.showtimes = 900
        return generator.make(seed: seed, today: Date())
    }

    @Test(arguments: TestEngine.allCases)
    func itIsSearchableAndItsShowtimesSayTheyHaveNoSeats(engine: TestEngine) async throws {
        try await Harness.withApp(engine, configure: Harness.generousRateLimits) { client, components in
            let generated = Self.small(seed: 7)
            #expect(generated.showtimes.count == 900)
            #expect(Self.fingerprint(generated) == Self.fingerprint(Self.small(seed: 7)), "the same seed makes the same catalog")
            try await components.catalog.importCatalog(generated)

            let index = components.catalog.searchIndex
            #expect(index.documents.count == 60)
            #expect(index.documents.reduce(0) { $0 + $1.showtimes.count } == 900)
            let title = generated.movies[0].movie.title
            let found: CatalogAPI.SearchResponse = try await client.request(
                .get, "/api/v1/search?q=\(title.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)").json()
            #expect(found.hits.contains { $0.movie.id == generated.movies[0].id })

            // The listing of a city comes a page at a time, pages never overlapping.
            let city = generated.theatres[0].city.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let first: CatalogAPI.Listing = try await client.request(.get, "/api/v1/movies?city=\(city)&limit=5").json()
            let second: CatalogAPI.Listing = try await client.request(.get, "/api/v1/movies?city=\(city)&limit=5&offset=5").json()
            #expect(first.nowShowing.count == min(5, first.nowShowingTotal) && first.nowShowingTotal > 5)
            #expect(Set(first.nowShowing.map(\.id)).isDisjoint(with: second.nowShowing.map(\.id)))
            #expect(second.nowShowingTotal == first.nowShowingTotal)
            #expect(try await client.request(.get, "/api/v1/movies?limit=0").problem().errors?.first?.field == "limit")

            let showtime = try #require(generated.showtimes.first)
            let seats = try await client.request(.get, "/api/v1/showtimes/\(showtime.id)/seats")
            #expect(seats.status == .conflict)
            #expect(try seats.problem().code == "not_in_seat_server")
        }
    }

    /// A fingerprint of a catalog: its ids and showtimes' starts, in order.
    static func fingerprint(_ catalog: CatalogImport) -> [String] {
        catalog.movies.map(\.id) + catalog.theatres.map(\.id) + catalog.screens.map(\.id)
            + catalog.showtimes.map { "\($0.id) \($0.showtime.startsAt.timeIntervalSince1970)" }
    }

    @Test func anInvalidRowIsNamedAndNothingIsWritten() async throws {
        try await Harness.withDatabase(.sqlite) { database in
            let catalog = CatalogService(database: database, seats: NoSeatServer())
            var badField = Self.small(seed: 3)
            badField.showtimes[5].showtime.currency = "rupees"
            var repeated = Self.small(seed: 3)
            repeated.movies[1].id = repeated.movies[0].id
            var overlapping = Self.small(seed: 3)
            overlapping.showtimes.append(.init(id: UUID().uuidString.lowercased(), showtime: overlapping.showtimes[0].showtime))
            let cases: [(CatalogImport, String)] = [(badField, "showtimes/5/currency"), (repeated, "movies/1/id"), (overlapping, "showtimes")]
            for (invalid, field) in cases {
                do {
                    try await catalog.importCatalog(invalid)
                    Issue.record("an import with a bad \(field) was accepted")
                } catch CatalogError.invalidField(let named, _) {
                    #expect(named == field)
                }
            }
            #expect(try await catalog.isEmpty())
        }
    }
}
