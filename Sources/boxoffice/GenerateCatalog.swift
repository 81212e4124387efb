import ArgumentParser
import BoxOfficeApp
import BoxOfficeSamples
import Catalog
import Foundation

/// Fills an empty catalog with a large generated one, for scale tests and benchmarks. Only
/// catalog rows: seatd is not told, so these showtimes sell no seats.
struct GenerateCatalog: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-catalog",
        abstract: "Import a generated catalog at scale (no seats in seatd) into an empty catalog, for benchmarks.")

    @OptionGroup var storage: StorageOptions

    @Option(help: "The generator's seed: the same seed gives the same catalog (relative to today).")
    var seed: UInt64 = 1

    @Option(help: "Movies (1,500 of them now showing, 300 coming soon).")
    var movies = 10_000

    @Option(help: "Theatres, in 40 cities.")
    var theatres = 1_000

    @Option(help: "Showtimes over the next two weeks.")
    var showtimes = 500_000

    func validate() throws {
        guard (1...1_000_000).contains(movies), (1...100_000).contains(theatres), (0...10_000_000).contains(showtimes) else {
            throw ValidationError("--movies must be 1 to 1,000,000, --theatres 1 to 100,000, --showtimes 0 to 10,000,000")
        }
    }

    func run() async throws {
        let logger = try storage.bootstrapLogging()
        let configuration = try storage.configuration()
        try await storage.withMigratedDatabase(configuration, logger: logger) { database in
            let catalog = CatalogService(database: database, seats: NoSeatServer())
            guard try await catalog.isEmpty() else {
                print("the catalog already has movies; nothing generated")
                return
            }
            var generator = GeneratedCatalog()
            generator.movies = movies
            generator.nowShowingMovies = min(generator.nowShowingMovies, movies)
            generator.comingSoonMovies = min(generator.comingSoonMovies, movies - generator.nowShowingMovies)
            generator.theatres = theatres
            generator.showtimes = showtimes
            let started = ContinuousClock.now
            let generated = generator.make(seed: seed, today: Date())
            try await catalog.importCatalog(generated)
            print("imported \(generated.movies.count) movies, \(generated.theatres.count) theatres, \(generated.screens.count) screens",
                  "and \(generated.showtimes.count) showtimes (seed \(seed)) in \(ContinuousClock.now - started)")
        }
    }
}
