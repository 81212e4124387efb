import ArgumentParser
import BoxOfficeApp
import BoxOfficeSamples
import Catalog
import Foundation
import Recommendations
import SeatClient

/// Fills an empty catalog with the sample cities, theatres, movies and two weeks of showtimes,
/// defining their screens and shows in seatd. Does nothing when the catalog has movies.
struct LoadSamples: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load-samples",
        abstract: "Load the sample catalog (theatres, movies, two weeks of showtimes) and sample viewers' page views into an empty catalog.")

    @OptionGroup var storage: StorageOptions

    @Option(help: "seatd's address, host:port.")
    var seatd: String

    @Option(help: "File holding a seatd API key of the admin role (layouts and shows are admin operations).")
    var seatdKeyFile: String

    func run() async throws {
        let logger = try storage.bootstrapLogging()
        let configuration = try storage.configuration()
        guard let colon = seatd.lastIndex(of: ":"), let port = Int(seatd[seatd.index(after: colon)...]) else {
            throw ValidationError("--seatd must be host:port")
        }
        let key = try String(contentsOfFile: seatdKeyFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let client = SeatClient(configuration: .init(host: String(seatd[..<colon]), port: port, apiKey: key))
        try await storage.withMigratedDatabase(configuration, logger: logger) { database in
            let catalog = CatalogService(database: database, seats: SeatClientCore(client: client))
            guard try await catalog.isEmpty() else {
                print("the catalog already has movies; nothing loaded")
                await client.close()
                return
            }
            let loaded = try await SampleCatalog.load(into: catalog, today: Date())
            let views = try await SampleViewingHistory.load(into: database, catalog: catalog, now: Date())
            print("loaded \(loaded.movies) movies, \(loaded.theatres) theatres, \(loaded.showtimes) showtimes and "
                + "\(views) page views of \(SampleViewingHistory.people) sample viewers")
            await client.close()
        }
    }
}
