// The recommendation model's rebuild from the database, end to end: a generated catalog
// (10,000 movies) and SIGNALS page views and bookings of people with planted tastes are written
// into SQLite (a temporary file) or the PostgreSQL database at --postgres; then the service's
// rebuild (reading every signal in time order, in pages, and building every model) is timed
// three times. Prints one Markdown table row per store.
//   RecommendationRebuild [--signals N] [--postgres URL]
import BoxOfficeSamples
import BoxOfficeStorage
import Catalog
import Foundation
import Logging
import Recommendations
import Recommender
import RecommenderEvaluation
import SQLKit

func option(_ name: String) -> String? {
    guard let index = CommandLine.arguments.firstIndex(of: name), index + 1 < CommandLine.arguments.count else { return nil }
    return CommandLine.arguments[index + 1]
}

let signals = option("--signals").flatMap(Int.init) ?? 1_000_000
let postgresURL = option("--postgres")
var logger = Logger(label: "recommendation-rebuild")
logger.logLevel = .warning

let directory = FileManager.default.temporaryDirectory.appendingPathComponent("recommendation-rebuild-\(getpid())").path
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: directory) }
let database: Database
if let postgresURL {
    database = Database.postgres(try PostgresLocation(url: postgresURL), connectionsMax: 4, logger: logger)
} else {
    database = try await Database.sqlite(path: directory + "/boxoffice.sqlite", logger: logger)
}
let runner = Task { try await database.run() }
try await database.migrate([Outbox.migrations, CatalogMigrations.set, RecommendationsMigrations.set], logger: logger)
let catalog = CatalogService(database: database, seats: NoSeatServer())

var generatedCatalog = GeneratedCatalog()
generatedCatalog.theatres = 100
generatedCatalog.showtimes = 20_000
try await catalog.importCatalog(generatedCatalog.make(seed: 1, today: Date()))
let movieIDs = catalog.searchIndex.documents.map(\.movieID).sorted()

// People with planted tastes over those movies; one signal in three a booking, the rest page views.
var tastes = PlantedTasteGenerator()
tastes.movies = movieIDs.count
tastes.genres = 14
tastes.people = signals / 19
let planted = tastes.make(seed: 7).interactions.prefix(signals)
let now = Date()
let span = Double(planted.map(\.time).max()! - planted.map(\.time).min()!)
let first = Double(planted.map(\.time).min()!)
let written = ContinuousClock.now
for start in stride(from: planted.startIndex, to: planted.endIndex, by: 1_000) {
    let batch = planted[start..<min(start + 1_000, planted.endIndex)]
    try await database.transaction { session in
        var insert = session.insert(into: "recommendation_signals")
            .columns("id", "user_id", "kind", "movie_id", "city", "occurred_at_ms", "payload")
        for (offset, signal) in batch.enumerated() {
            // The planted period is laid over the last 90 days.
            let ageSeconds = (1 - (Double(signal.time) - first) / span) * 90 * 86_400
            insert = insert.values(
                SQLBind(UUID().uuidString.lowercased()), SQLBind("person-\(signal.user)"),
                SQLBind((start + offset) % 3 == 0 ? "booking" : "detail_view"), SQLBind(movieIDs[Int(signal.item)]),
                SQLBind("City \(signal.user % 40)"), SQLBind(now.addingTimeInterval(-ageSeconds).millisecondsSince1970),
                SQLBind("{}"))
        }
        try await insert.run()
    }
}
let writeSeconds = (ContinuousClock.now - written) / .seconds(1)

let service = RecommendationService(
    database: database, catalog: catalog, archive: RecommendationSignalsArchive(), tastes: { _ in DeclaredTastes() }, logger: logger)
var totals: [Double] = [], builds: [Double] = []
for _ in 0..<3 {
    let started = ContinuousClock.now
    try await service.rebuild()
    totals.append((ContinuousClock.now - started) / .seconds(1))
    builds.append(service.status.buildSeconds ?? 0)
}
let median = { (values: [Double]) in values.sorted()[values.count / 2] }
print(String(format: "| %@ | %d | %.0f s | %.1f s | %.1f s | %.1f s |", postgresURL == nil ? "SQLite" : "PostgreSQL 15",
             service.status.signals, writeSeconds, median(totals), median(totals) - median(builds), median(builds)))
runner.cancel()
