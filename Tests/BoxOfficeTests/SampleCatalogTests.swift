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
            #expect(loaded.showtimes > 12 * 3 * 4 * 13)
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
