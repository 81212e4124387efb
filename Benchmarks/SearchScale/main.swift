// The search index at scale, in process: generates the catalog (GeneratedCatalog, seed 1 by
// default: 10,000 movies, 1,000 theatres, 500,000 showtimes), imports it into a SQLite file in
// a temporary directory, then times index builds from the database and queries of nine kinds
// (typos, prefixes, names, city and date, genre, distance, ...), each with its facets.
//   SearchScale [--movies N] [--theatres N] [--showtimes N] [--seed S] [--repeat R]
import BoxOfficeSamples
import BoxOfficeStorage
import Catalog
import Foundation
import Logging
import Search
import SeatSamples

func option(_ name: String, _ fallback: Int) -> Int {
    guard let index = CommandLine.arguments.firstIndex(of: name), index + 1 < CommandLine.arguments.count,
          let value = Int(CommandLine.arguments[index + 1]) else { return fallback }
    return value
}

/// Resident memory, from /proc/self/statm.
func residentMegabytes() -> Double {
    guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
          let pages = Double(statm.split(separator: " ")[1]) else { return 0 }
    return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
}

/// glibc's `malloc_trim`: returns freed heap memory to the system.
@_silgen_name("malloc_trim") func mallocTrim(_ pad: Int) -> Int32

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1e3 + Double(duration.components.attoseconds) / 1e15
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}

var generator = GeneratedCatalog()
generator.movies = option("--movies", 10_000)
generator.theatres = option("--theatres", 1_000)
generator.showtimes = option("--showtimes", 500_000)
let seed = UInt64(option("--seed", 1))
let repeats = option("--repeat", 20)
var logger = Logger(label: "search-scale")
logger.logLevel = .warning

let directory = FileManager.default.temporaryDirectory.appendingPathComponent("search-scale-\(getpid())").path
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: directory) }
let database = try await Database.sqlite(path: directory + "/catalog.sqlite", logger: logger)
let runner = Task { try await database.run() }
try await database.migrate([Outbox.migrations, CatalogMigrations.set], logger: logger)
let catalog = CatalogService(database: database, seats: NoSeatServer())

let today = Date()
var clock = ContinuousClock.now
let generated = generator.make(seed: seed, today: today)
print("generated \(generated.movies.count) movies, \(generated.theatres.count) theatres, \(generated.screens.count) screens,",
      "\(generated.showtimes.count) showtimes in \(ContinuousClock.now - clock)")
clock = ContinuousClock.now
try await catalog.importCatalog(generated)
print("imported into SQLite and indexed in \(ContinuousClock.now - clock)")

var builds: [Double] = []
for _ in 0..<3 {
    let started = ContinuousClock.now
    try await catalog.rebuildSearchIndex()
    builds.append(milliseconds(ContinuousClock.now - started))
}
let documents = catalog.searchIndex.documents
// Freed memory is handed back first, so the growth below is the new index's own.
_ = mallocTrim(0)
let before = residentMegabytes()
var started = ContinuousClock.now
let index = SearchIndex(documents: documents)
let buildInMemory = milliseconds(ContinuousClock.now - started)
let after = residentMegabytes()
print(String(format: "index build from the database: median %.0f ms of 3 (reading SQLite, folding, indexing); from documents in memory: %.0f ms",
             builds.sorted()[1], buildInMemory))
print(String(format: "memory: process resident %.0f MB; building one more index over the same documents: +%.0f MB",
             after, after - before))

// The queries: each kind made from the generated catalog with the same seed.
var random = SplitMix64(seed: seed ^ 0x5EA2C4)
let titles = generated.movies.prefix(generator.nowShowingMovies).map(\.movie.title)
let castNames = generated.movies.prefix(generator.nowShowingMovies).flatMap { $0.movie.cast?.map(\.name) ?? [] }
let theatres = generated.theatres
@MainActor func typo(_ word: String) -> String {
    var characters = Array(word.lowercased())
    guard characters.count >= 4 else { return word }
    let position = Int.random(in: 1..<characters.count, using: &random)
    switch Int.random(in: 0..<3, using: &random) {
    case 0: characters.remove(at: position)
    case 1: characters.swapAt(position - 1, position)
    default: characters[position] = "x"
    }
    return String(characters)
}
let nowMs = Int64(today.timeIntervalSince1970 * 1000)
let dayMs: Int64 = 86_400_000
func tomorrow(_ query: inout SearchQuery) {
    query.startsFromMs = nowMs + dayMs
    query.startsBeforeMs = nowMs + 2 * dayMs
}
let kinds: [(String, @MainActor () -> SearchQuery)] = [
    ("title word, one typo", {
        var query = SearchQuery(); query.startsFromMs = nowMs
        let words = titles.randomElement(using: &random)!.split(separator: " ").filter { $0.count >= 5 }
        query.text = typo(words.randomElement(using: &random).map { String($0) } ?? "Horizon"); return query
    }),
    ("two title words, typos", {
        var query = SearchQuery(); query.startsFromMs = nowMs
        query.text = titles.randomElement(using: &random)!.split(separator: " ").suffix(2).map { typo(String($0)) }.joined(separator: " ")
        return query
    }),
    ("prefix (autocomplete)", {
        var query = SearchQuery(); query.startsFromMs = nowMs
        let title = titles.randomElement(using: &random)!
        query.text = String(title.prefix(Int.random(in: 3...max(3, title.count - 1), using: &random))); return query
    }),
    ("cast name", {
        var query = SearchQuery(); query.startsFromMs = nowMs
        query.text = castNames.randomElement(using: &random)!; return query
    }),
    ("city, tomorrow evening", {
        var query = SearchQuery(); tomorrow(&query)
        query.cities = [theatres.randomElement(using: &random)!.city]; query.localMinutes = 1020...1439; return query
    }),
    ("genre and city, tomorrow", {
        var query = SearchQuery(); tomorrow(&query)
        query.cities = [theatres.randomElement(using: &random)!.city]
        query.genres = [GeneratedCatalog.genres.randomElement(using: &random)!]; return query
    }),
    ("within 10 km, tomorrow", {
        var query = SearchQuery(); tomorrow(&query)
        let theatre = theatres.randomElement(using: &random)!
        query.near = .init(latitude: theatre.latitude, longitude: theatre.longitude, radiusKilometres: 10); return query
    }),
    ("word and city, any day", {
        var query = SearchQuery(); query.startsFromMs = nowMs
        query.cities = [theatres.randomElement(using: &random)!.city]
        query.text = typo(String(titles.randomElement(using: &random)!.split(separator: " ").last!)); return query
    }),
    ("everything showing (browse)", {
        var query = SearchQuery(); query.startsFromMs = nowMs; return query
    }),
]

print("")
print("kind                              p50 ms   p99 ms   max ms   hits (median)")
var all: [Double] = []
for (name, make) in kinds {
    var times: [Double] = []
    var hits: [Int] = []
    for _ in 0..<50 {
        let query = make()
        for _ in 0..<repeats {
            started = ContinuousClock.now
            let result = index.search(query)
            times.append(milliseconds(ContinuousClock.now - started))
            hits.append(result.total)
        }
    }
    times.sort()
    all += times
    print(name.padding(toLength: 32, withPad: " ", startingAt: 0) + String(format: " %7.3f  %7.3f  %7.3f   %d", percentile(times, 0.5), percentile(times, 0.99),
                 times.last!, hits.sorted()[hits.count / 2]))
}
all.sort()
print(String(format: "all %d searches: p50 %.3f ms, p99 %.3f ms", all.count, percentile(all, 0.5), percentile(all, 0.99)))
runner.cancel()
