@testable import BoxOfficeApp
import Catalog
import Foundation
import Testing

/// What the notifier learns of a showtime comes from the catalog as it stands.
@Suite("The notifier's directory of showtimes", .timeLimit(.minutes(2)))
struct NotificationDirectoryTests {
    @Test func aShowtimesSummaryNamesItsTheatreAsTheCatalogHasIt() async throws {
        try await Harness.withAppAndSeatd(.sqlite) { client, components, _ in
            let (showtime, adminToken) = try await SeatMapTests.scheduleShowtime(client, components)
            let directory = BoxOfficeDirectory(accounts: components.accounts, catalog: components.catalog, booking: components.booking)
            let summary = try #require(try await directory.showtime(showtime.id))
            #expect(summary.theatreName == "PVR Phoenix, Viman Nagar" && summary.movieTitle != "your film")
            #expect(summary.startsAt == LocalTime(zoneIdentifier: "Asia/Kolkata").full(showtime.startsAt), "in the theatre's time zone")
            #expect(!summary.isCancelled)

            // Renamed by staff: the next message has the new name.
            let renamed = try await client.request(.patch, "/api/v1/theatres/pvr-pune", token: adminToken, json: #"{"name":"PVR Phoenix Mall"}"#)
            #expect(renamed.status == .ok, "\(renamed.text)")
            #expect(try await directory.showtime(showtime.id)?.theatreName == "PVR Phoenix Mall, Viman Nagar")
            #expect(try await directory.showtime("no-such-showtime") == nil)
        }
    }
}
