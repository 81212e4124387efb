import BoxOfficeStorage
import Foundation
import SQLKit

/// A whole catalog to import at once: for scale tests and benchmarks, and for a chain moving
/// its catalog in. Rows are validated like those made one by one, but written in batches, and
/// the seat server is not told: imported screens and showtimes have no layout or show there
/// (their seat maps say so), until they are made through the routes.
public struct CatalogImport: Sendable {
    public struct IdentifiedMovie: Sendable {
        public var id: String
        public var movie: MovieInput
        public init(id: String, movie: MovieInput) {
            self.id = id
            self.movie = movie
        }
    }

    public struct ImportedScreen: Sendable {
        public var id: String
        public var theatreID: String
        public var name: String
        public init(id: String, theatreID: String, name: String) {
            self.id = id
            self.theatreID = theatreID
            self.name = name
        }
    }

    public struct IdentifiedShowtime: Sendable {
        public var id: String
        public var showtime: ShowtimeInput
        public init(id: String, showtime: ShowtimeInput) {
            self.id = id
            self.showtime = showtime
        }
    }

    public var movies: [IdentifiedMovie]
    public var theatres: [TheatreInput]
    /// Every screen has the layout `screenLayoutJSON`.
    public var screens: [ImportedScreen]
    public var screenLayoutJSON: [UInt8]
    public var showtimes: [IdentifiedShowtime]

    public init(movies: [IdentifiedMovie], theatres: [TheatreInput], screens: [ImportedScreen], screenLayoutJSON: [UInt8],
                showtimes: [IdentifiedShowtime]) {
        self.movies = movies
        self.theatres = theatres
        self.screens = screens
        self.screenLayoutJSON = screenLayoutJSON
        self.showtimes = showtimes
    }
}

extension CatalogService {
    /// Rows per INSERT: far under both engines' limits on bound parameters.
    static let importBatchRows = 500
    /// The `seat_show_id` / `seat_layout_id` of imported rows: no show or layout in the seat server.
    static let notInSeatServer: Int64 = -1

    /// Validates everything in `catalog`, then writes it in batches, bumps the catalog's version
    /// once and rebuilds the index. Nothing is written if anything is invalid.
    ///
    /// - Throws: ``CatalogError/invalidField(field:message:)`` naming the row (`showtimes/12/startsAt`).
    public func importCatalog(_ catalog: CatalogImport) async throws {
        let nowDate = now()
        let nowMs = nowDate.millisecondsSince1970
        try Self.checkUnique(catalog.movies.map(\.id), field: "movies", what: "movie")
        try Self.checkUnique(catalog.theatres.map(\.id), field: "theatres", what: "theatre")
        try Self.checkUnique(catalog.screens.map(\.id), field: "screens", what: "screen")
        try Self.checkUnique(catalog.showtimes.map(\.id), field: "showtimes", what: "showtime")
        var movies: [String: Movie] = [:]
        for (index, entry) in catalog.movies.enumerated() {
            movies[entry.id] = try Self.naming("movies/\(index)") { () throws(CatalogError) in try entry.movie.validated(id: entry.id) }
        }
        var theatres: [String: Theatre] = [:]
        for (index, input) in catalog.theatres.enumerated() {
            let theatre = try Self.naming("theatres/\(index)") { () throws(CatalogError) in try input.validated() }
            theatres[theatre.id] = theatre
        }
        let categories = try Self.categories(ofLayout: catalog.screenLayoutJSON)
        let seatCount = try ScreenSeatMap.seatCount(ofLayout: catalog.screenLayoutJSON)
        var screens: [String: Screen] = [:]
        var screenRows: [CatalogRecords.ScreenRow] = []
        for (index, entry) in catalog.screens.enumerated() {
            guard theatres[entry.theatreID] != nil else {
                throw CatalogError.invalidField(field: "screens/\(index)/theatreID", message: "names no imported theatre")
            }
            let name = try Self.naming("screens/\(index)") { () throws(CatalogError) in try CatalogRules.text(entry.name, field: "name", max: 100) }
            let row = CatalogRecords.ScreenRow(
                id: entry.id, theatreId: entry.theatreID, name: name, layout: String(decoding: catalog.screenLayoutJSON, as: UTF8.self),
                seatLayoutId: Self.notInSeatServer, seatCount: seatCount, categories: JSONColumn.text(categories), createdAtMs: nowMs)
            screens[entry.id] = try row.screen()
            screenRows.append(row)
        }
        var showtimeRows: [CatalogRecords.ShowtimeRow] = []
        showtimeRows.reserveCapacity(catalog.showtimes.count)
        for (index, entry) in catalog.showtimes.enumerated() {
            guard let movie = movies[entry.showtime.movieId] else {
                throw CatalogError.invalidField(field: "showtimes/\(index)/movieId", message: "names no imported movie")
            }
            guard let screen = screens[entry.showtime.screenId] else {
                throw CatalogError.invalidField(field: "showtimes/\(index)/screenId", message: "names no imported screen")
            }
            let showtime = try Self.naming("showtimes/\(index)") { () throws(CatalogError) in
                try entry.showtime.validated(id: entry.id, movie: movie, screen: screen, now: nowDate)
            }
            showtimeRows.append(CatalogRecords.ShowtimeRow(showtime, seatShowID: Self.notInSeatServer, at: nowMs))
        }

        try Self.checkNoOverlap(showtimeRows)

        let movieRows = catalog.movies.map { CatalogRecords.MovieRow(movies[$0.id]!, at: nowMs) }
        let theatreRows = theatres.values.sorted { $0.id < $1.id }.map { CatalogRecords.TheatreRow($0, at: nowMs) }
        let (screenBatches, showtimeBatches) = (Self.batches(screenRows), Self.batches(showtimeRows))
        try await change(refreshing: true) { session in
            for batch in Self.batches(movieRows) { try await CatalogRecords.insert(batch, into: "movies", on: session) }
            for batch in Self.batches(theatreRows) { try await CatalogRecords.insert(batch, into: "theatres", on: session) }
            for batch in screenBatches { try await CatalogRecords.insert(batch, into: "screens", on: session) }
            for batch in showtimeBatches { try await CatalogRecords.insert(batch, into: "showtimes", on: session) }
        }
    }

    private static func checkUnique(_ ids: [String], field: String, what: String) throws(CatalogError) {
        var seen = Set<String>()
        for (index, id) in ids.enumerated() where !seen.insert(id).inserted {
            throw .invalidField(field: "\(field)/\(index)/id", message: "repeats another \(what)'s id")
        }
    }

    /// Showtimes of one screen must leave the turnaround between them, as when made one by one.
    private static func checkNoOverlap(_ rows: [CatalogRecords.ShowtimeRow]) throws(CatalogError) {
        for (_, showings) in Dictionary(grouping: rows, by: \.screenId) {
            let ordered = showings.sorted { $0.startsAtMs < $1.startsAtMs }
            for (earlier, later) in zip(ordered, ordered.dropFirst())
            where later.startsAtMs < earlier.endsAtMs + CatalogRules.turnaroundMilliseconds {
                throw .invalidField(field: "showtimes", message: "showtime \(later.id) overlaps \(earlier.id) on its screen")
            }
        }
    }

    private static func batches<Row>(_ rows: [Row]) -> [ArraySlice<Row>] {
        stride(from: 0, to: rows.count, by: importBatchRows).map { rows[$0..<min($0 + importBatchRows, rows.count)] }
    }

    /// Runs a validation, prefixing the field it names with the row's place in the import.
    private static func naming<Value>(_ place: String, _ validate: () throws(CatalogError) -> Value) throws(CatalogError) -> Value {
        do {
            return try validate()
        } catch .invalidField(let field, let message) {
            throw .invalidField(field: "\(place)/\(field)", message: message)
        }
    }
}
