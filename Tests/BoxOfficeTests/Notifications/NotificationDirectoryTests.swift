import Accounts
@testable import BoxOfficeApp
import Catalog
import Foundation
import Notifications
import Testing

/// What the notifier learns of a showtime comes from the catalog as it stands, and of people
/// from their accounts.
@Suite("The notifier's directory of showtimes and people", .timeLimit(.minutes(2)))
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

    /// The recipients of a batch, in one read: as each would be found alone, and nobody erased.
    @Test(arguments: TestEngine.allCases)
    func peopleAreFoundTogetherAsEachIsAloneAndTheErasedAreNot(engine: TestEngine) async throws {
        try await Harness.withApp(engine) { _, components in
            let directory = BoxOfficeDirectory(accounts: components.accounts, catalog: components.catalog, booking: components.booking)
            var ids: [String] = []
            for name in ["Asha", "Ravi", "Meera"] {
                ids.append(try await components.accounts.signUp(.init(email: "\(name.lowercased())@example.com", password: "correct horse battery",
                                                                      name: name)).id)
            }
            try await components.accounts.erase(userID: ids[2], confirmingPassword: nil, requestedBy: "test")
            let people = try await directory.people(ids + ["no-such-user"])
            #expect(people.keys.sorted() == ids.prefix(2).sorted())
            #expect(people[ids[0]] == Person(name: "Asha", email: "asha@example.com", wantsReminders: true, wantsOffers: false))
            #expect(people[ids[1]]?.name == "Ravi" && people[ids[1]]?.email == "ravi@example.com")
            #expect(try await directory.people([]).isEmpty)
        }
    }
}
