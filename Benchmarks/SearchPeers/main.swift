// The search a team would write first, as the peers of boxoffice's in-memory index in
// Benchmarks/search: the same catalog in a database, searched with SQL per request.
//   SearchPeers serve --postgres URL --port-file F   title words by pg_trgm word similarity (typos)
//   SearchPeers serve --sqlite PATH --port-file F    title words by FTS5 (prefixes, no typos)
//   SearchPeers queries [--seed S] [--count N]       the benchmark's query paths, one per line
//   SearchPeers layout                               the 300-seat sample screen's layout, as JSON
// GET /search?q=&city=&date=YYYY-MM-DD&timeZone=&genre= answers the 20 best movies with a
// showtime that passes, with their showtime counts, and per-value movie counts of languages,
// formats and cities over the matching showtimes (plain facets: the filters stay applied).
import BoxOfficeSamples
import BoxOfficeStorage
import Catalog
import Foundation
import Hummingbird
import Logging
import SQLKit
import SeatSamples

func argument(_ name: String) -> String? {
    guard let index = CommandLine.arguments.firstIndex(of: name), index + 1 < CommandLine.arguments.count else { return nil }
    return CommandLine.arguments[index + 1]
}

/// The query mix, made from the catalog the same seed generates: mistyped title words,
/// unfinished titles, city and date listings, genre within a city and date.
func printQueries(seed: UInt64, count: Int) {
    let catalog = GeneratedCatalog().make(seed: seed, today: Date())
    var random = SplitMix64(seed: seed ^ 0x9E37)
    let titles = catalog.movies.prefix(GeneratedCatalog().nowShowingMovies).map(\.movie.title)
    let cities = catalog.theatres.map { ($0.city, $0.timeZone) }
    func encoded(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: .alphanumerics)! }
    func tomorrow(_ zone: String) -> String {
        CalendarDate.string(Date().addingTimeInterval(86_400), in: TimeZone(identifier: zone)!)
    }
    for index in 0..<count {
        let (city, zone) = cities.randomElement(using: &random)!
        let place = "city=\(encoded(city))&date=\(tomorrow(zone))&timeZone=\(encoded(zone))"
        let title = titles.randomElement(using: &random)!
        switch index % 4 {
        case 0:
            var word = Array(title.split(separator: " ").max { $0.count < $1.count }!.lowercased())
            let position = Int.random(in: 1..<word.count, using: &random)
            word.swapAt(position - 1, position)
            print("/search?q=\(encoded(String(word)))&\(place)")
        case 1:
            print("/search?q=\(encoded(String(title.prefix(Int.random(in: 4...max(4, title.count), using: &random)))))")
        case 2:
            print("/search?\(place)")
        default:
            print("/search?genre=\(encoded(GeneratedCatalog.genres.randomElement(using: &random)!))&\(place)")
        }
    }
}

enum Engine { case postgres, sqlite }

struct Hit: Encodable {
    var id: String
    var title: String
    var showtimes: Int
}

struct Answer: ResponseEncodable {
    var hits: [Hit]
    var facets: [String: [String: Int]]
}

/// One search: the matching movies (`matched`), their passing showtimes (`passing`), then the
/// page and the facets from those, in two statements sharing the same common table expressions.
func search(_ request: Request, _ database: Database, _ engine: Engine) async throws -> Answer {
    let parameters = request.uri.queryParameters
    let text = parameters["q"].map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
    let city = parameters["city"].map(String.init) ?? ""
    let genre = parameters["genre"].map { "%\"\($0)\"%" } ?? "%"
    var from = Int64(Date().timeIntervalSince1970 * 1000)
    var before = Int64.max
    if let date = parameters["date"], let zone = TimeZone(identifier: parameters["timeZone"].map(String.init) ?? "UTC") {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = date.split(separator: "-").compactMap { Int($0) }
        if parts.count == 3, let start = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])) {
            from = Int64(start.timeIntervalSince1970 * 1000)
            before = from + 86_400_000
        }
    }
    let matched: SQLQueryString
    switch (engine, text.isEmpty) {
    case (_, true):
        matched = "SELECT id, title, 0.0 AS score FROM movies WHERE genres LIKE \(bind: genre)"
    case (.postgres, false):
        matched = "SELECT id, title, word_similarity(\(bind: text), title) AS score FROM movies WHERE \(bind: text) <% title AND genres LIKE \(bind: genre)"
    case (.sqlite, false):
        // Every word a prefix (what a search box needs); FTS5 has no typo tolerance.
        let words = text.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil)
            .split { !($0.isLetter || $0.isNumber) }.map { "\"\($0)\"*" }.joined(separator: " ")
        matched = """
            SELECT m.id, m.title, -bm25(movie_fts) AS score FROM movie_fts JOIN movies m ON m.rowid = movie_fts.rowid \
            WHERE movie_fts MATCH \(bind: words) AND m.genres LIKE \(bind: genre)
            """
    }
    let common: SQLQueryString = """
        WITH matched AS MATERIALIZED (\(matched)), passing AS (
            SELECT s.movie_id, s.language, s.format, t.city FROM showtimes s JOIN theatres t ON t.id = s.theatre_id
            WHERE s.movie_id IN (SELECT id FROM matched) AND s.status = 'scheduled'
              AND s.starts_at_ms >= \(bind: from) AND s.starts_at_ms < \(bind: before) AND (\(bind: city) = '' OR t.city = \(bind: city)))
        """
    return try await database.withReadSession { session in
        let hits = try await session.raw(common + """
             SELECT m.id, m.title, m.score, count(*) AS showtimes FROM passing p JOIN matched m ON m.id = p.movie_id
            GROUP BY m.id, m.title, m.score ORDER BY m.score DESC, m.title LIMIT 20
            """).all().map { row in
            Hit(id: try row.decode(column: "id", as: String.self), title: try row.decode(column: "title", as: String.self),
                showtimes: try row.decode(column: "showtimes", as: Int.self))
        }
        var facets: [String: [String: Int]] = ["language": [:], "format": [:], "city": [:]]
        for row in try await session.raw(common + """
             SELECT 'language' AS facet, language AS value, count(DISTINCT movie_id) AS movies FROM passing GROUP BY language
            UNION ALL SELECT 'format', format, count(DISTINCT movie_id) FROM passing GROUP BY format
            UNION ALL SELECT 'city', city, count(DISTINCT movie_id) FROM passing GROUP BY city
            """).all() {
            facets[try row.decode(column: "facet", as: String.self), default: [:]][try row.decode(column: "value", as: String.self)] =
                try row.decode(column: "movies", as: Int.self)
        }
        return Answer(hits: hits, facets: facets)
    }
}

/// What the team adds to the catalog's tables for its search: a trigram index, or an FTS5 table.
func prepare(_ database: Database, _ engine: Engine) async throws {
    try await database.withSession { session in
        switch engine {
        case .postgres:
            try await session.raw("CREATE EXTENSION IF NOT EXISTS pg_trgm").run()
            try await session.raw("CREATE INDEX IF NOT EXISTS movies_title_trigrams ON movies USING gin (title gin_trgm_ops)").run()
            try await session.raw("ANALYZE").run()
        case .sqlite:
            try await session.raw("CREATE VIRTUAL TABLE IF NOT EXISTS movie_fts USING fts5(title, tokenize = 'unicode61 remove_diacritics 2')").run()
            try await session.raw("DELETE FROM movie_fts").run()
            try await session.raw("INSERT INTO movie_fts(rowid, title) SELECT rowid, title FROM movies").run()
            try await session.raw("ANALYZE").run()
        }
    }
}

let logger = {
    var logger = Logger(label: "search-peers")
    logger.logLevel = .warning
    return logger
}()
switch CommandLine.arguments.dropFirst().first {
case "queries":
    printQueries(seed: UInt64(argument("--seed") ?? "1") ?? 1, count: Int(argument("--count") ?? "100") ?? 100)
case "layout":
    print(String(decoding: try JSONEncoder().encode(SampleVenues.cinema()), as: UTF8.self))
case "serve":
    let engine: Engine
    let database: Database
    if let url = argument("--postgres") {
        engine = .postgres
        database = Database.postgres(try PostgresLocation(url: url), connectionsMax: 16, logger: logger)
    } else if let path = argument("--sqlite") {
        engine = .sqlite
        database = try await Database.sqlite(path: path, logger: logger)
    } else {
        fatalError("serve needs --postgres URL or --sqlite PATH")
    }
    let router = Router()
    router.get("search") { request, _ in
        do {
            return try await search(request, database, engine)
        } catch {
            logger.error("search failed", metadata: ["uri": "\(request.uri)", "error": "\(String(reflecting: error))"])
            throw error
        }
    }
    let portFile = argument("--port-file")
    let application = Application(
        router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        services: [database],
        onServerRunning: { channel in
            if let portFile, let port = channel.localAddress?.port { try? "\(port)\n".write(toFile: portFile, atomically: true, encoding: .utf8) }
        },
        logger: logger)
    var app = application
    app.beforeServerStarts { try await prepare(database, engine) }
    try await app.runService()
default:
    print("usage: SearchPeers serve (--postgres URL | --sqlite PATH) [--port-file F] | queries [--seed S] [--count N] | layout")
}
