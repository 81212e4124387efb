import BoxOfficeStorage
import Foundation
import SQLKit

/// The SQL of the catalog's tables: row types and the statements the service needs, each
/// taking the session it runs in. Every value is a bound parameter.
enum CatalogRecords {
    struct MovieRow: Codable, Sendable {
        var id: String
        var title: String
        var originalTitle: String?
        var synopsis: String
        var genres: String
        var languages: String
        var formats: String
        var runtimeMinutes: Int
        var certification: String
        var releaseDate: String
        var castMembers: String
        var posterUrl: String?
        var trailerUrl: String?
        var createdAtMs: Int64
        var updatedAtMs: Int64

        /// The columns, named here rather than converted per row (which costs more than reading them).
        enum CodingKeys: String, CodingKey {
            case id, title, originalTitle = "original_title", synopsis, genres, languages, formats,
                runtimeMinutes = "runtime_minutes", certification, releaseDate = "release_date",
                castMembers = "cast_members", posterUrl = "poster_url", trailerUrl = "trailer_url",
                createdAtMs = "created_at_ms", updatedAtMs = "updated_at_ms"
        }

        init(_ movie: Movie, at nowMs: Int64) {
            id = movie.id
            title = movie.title
            originalTitle = movie.originalTitle
            synopsis = movie.synopsis
            genres = JSONColumn.text(movie.genres)
            languages = JSONColumn.text(movie.languages)
            formats = JSONColumn.text(movie.formats)
            runtimeMinutes = movie.runtimeMinutes
            certification = movie.certification
            releaseDate = movie.releaseDate
            castMembers = JSONColumn.text(movie.cast)
            posterUrl = movie.posterUrl
            trailerUrl = movie.trailerUrl
            createdAtMs = nowMs
            updatedAtMs = nowMs
        }

        func movie() throws -> Movie {
            Movie(id: id, title: title, originalTitle: originalTitle, synopsis: synopsis, genres: try JSONColumn.value(from: genres),
                  languages: try JSONColumn.value(from: languages), formats: try JSONColumn.value(from: formats), runtimeMinutes: runtimeMinutes,
                  certification: certification, releaseDate: releaseDate, cast: try JSONColumn.value(from: castMembers),
                  posterUrl: posterUrl, trailerUrl: trailerUrl)
        }
    }

    struct TheatreRow: Codable, Sendable {
        var id: String
        var chain: String
        var name: String
        var address: String
        var city: String
        var latitude: Double
        var longitude: Double
        var timeZone: String
        var amenities: String
        /// JSON; null in rows from before policies were kept (the default policy).
        var cancellationPolicy: String?
        var createdAtMs: Int64

        /// The columns, named here rather than converted per row (which costs more than reading them).
        enum CodingKeys: String, CodingKey {
            case id, chain, name, address, city, latitude, longitude, timeZone = "time_zone", amenities,
                cancellationPolicy = "cancellation_policy", createdAtMs = "created_at_ms"
        }

        init(_ theatre: Theatre, at nowMs: Int64) {
            id = theatre.id
            chain = theatre.chain
            name = theatre.name
            address = theatre.address
            city = theatre.city
            latitude = theatre.latitude
            longitude = theatre.longitude
            timeZone = theatre.timeZone
            amenities = JSONColumn.text(theatre.amenities)
            cancellationPolicy = JSONColumn.text(theatre.cancellationPolicy)
            createdAtMs = nowMs
        }

        func theatre() throws -> Theatre {
            Theatre(id: id, chain: chain, name: name, address: address, city: city, latitude: latitude, longitude: longitude,
                    timeZone: timeZone, amenities: try JSONColumn.value(from: amenities),
                    cancellationPolicy: try cancellationPolicy.map { try JSONColumn.value(from: $0) } ?? CancellationPolicy())
        }
    }

    struct ScreenRow: Codable, Sendable {
        var id: String
        var theatreId: String
        var name: String
        var layout: String
        var seatLayoutId: Int64
        var seatCount: Int
        var categories: String
        var createdAtMs: Int64

        /// The columns, named here rather than converted per row (which costs more than reading them).
        enum CodingKeys: String, CodingKey {
            case id, theatreId = "theatre_id", name, layout, seatLayoutId = "seat_layout_id", seatCount = "seat_count",
                categories, createdAtMs = "created_at_ms"
        }

        func screen() throws -> Screen {
            Screen(id: id, theatreId: theatreId, name: name, seatCount: seatCount, categories: try JSONColumn.value(from: categories))
        }
    }

    struct ShowtimeRow: Codable, Sendable {
        var id: String
        var movieId: String
        var screenId: String
        var theatreId: String
        var startsAtMs: Int64
        var endsAtMs: Int64
        var language: String
        var format: String
        var prices: String
        var currency: String
        var status: String
        var seatShowId: Int64
        var createdAtMs: Int64
        var updatedAtMs: Int64

        /// The columns, named here rather than converted per row (which costs more than reading them).
        enum CodingKeys: String, CodingKey {
            case id, movieId = "movie_id", screenId = "screen_id", theatreId = "theatre_id", startsAtMs = "starts_at_ms",
                endsAtMs = "ends_at_ms", language, format, prices, currency, status, seatShowId = "seat_show_id",
                createdAtMs = "created_at_ms", updatedAtMs = "updated_at_ms"
        }

        init(id: String, movieId: String, screenId: String, theatreId: String, startsAtMs: Int64, endsAtMs: Int64, language: String,
             format: String, prices: String, currency: String, status: String, seatShowId: Int64, createdAtMs: Int64, updatedAtMs: Int64) {
            self.id = id
            self.movieId = movieId
            self.screenId = screenId
            self.theatreId = theatreId
            self.startsAtMs = startsAtMs
            self.endsAtMs = endsAtMs
            self.language = language
            self.format = format
            self.prices = prices
            self.currency = currency
            self.status = status
            self.seatShowId = seatShowId
            self.createdAtMs = createdAtMs
            self.updatedAtMs = updatedAtMs
        }

        init(_ showtime: Showtime, seatShowID: Int64, at nowMs: Int64) {
            self.init(id: showtime.id, movieId: showtime.movieId, screenId: showtime.screenId, theatreId: showtime.theatreId,
                      startsAtMs: showtime.startsAt.millisecondsSince1970, endsAtMs: showtime.endsAt.millisecondsSince1970,
                      language: showtime.language, format: showtime.format, prices: JSONColumn.text(showtime.prices),
                      currency: showtime.currency, status: showtime.status.rawValue, seatShowId: seatShowID,
                      createdAtMs: nowMs, updatedAtMs: nowMs)
        }

        func showtime() throws -> Showtime {
            Showtime(id: id, movieId: movieId, theatreId: theatreId, screenId: screenId,
                     startsAt: Date(millisecondsSince1970: startsAtMs), endsAt: Date(millisecondsSince1970: endsAtMs),
                     language: language, format: format, prices: try JSONColumn.value(from: prices), currency: currency,
                     status: Showtime.Status(rawValue: status) ?? .cancelled)
        }
    }

    /// What the search index reads of a showtime.
    struct IndexedShowtimeRow: Decodable, Sendable {
        var id: String
        var movieId: String
        var theatreId: String
        var startsAtMs: Int64
        var language: String
        var format: String
        var prices: String

        enum CodingKeys: String, CodingKey {
            case id, movieId = "movie_id", theatreId = "theatre_id", startsAtMs = "starts_at_ms", language, format, prices
        }
    }

    /// Scheduled showtimes starting at or after `startMs`, as the search index reads them.
    static func indexedShowtimes(from startMs: Int64, on session: any SQLDatabase) async throws -> [IndexedShowtimeRow] {
        try await session.select().columns("id", "movie_id", "theatre_id", "starts_at_ms", "language", "format", "prices")
            .from("showtimes")
            .where("status", .equal, Showtime.Status.scheduled.rawValue)
            .where("starts_at_ms", .greaterThanOrEqual, startMs)
            .orderBy("starts_at_ms").orderBy("id")
            .all(decoding: IndexedShowtimeRow.self)
    }

    static func insert(_ row: some Encodable & Sendable, into table: String, on session: any SQLDatabase) async throws {
        try await session.insert(into: table).model(row).run()
    }

    /// Inserts rows in one statement.
    static func insert<Row: Encodable & Sendable>(_ rows: ArraySlice<Row>, into table: String, on session: any SQLDatabase) async throws {
        // Nil as NULL: every row must name the same columns.
        try await session.insert(into: table).models(Array(rows), nilEncodingStrategy: .asNil).run()
    }

    /// Inserts unless the id is taken; false when it is.
    static func insertTheatre(_ row: TheatreRow, on session: any SQLDatabase) async throws -> Bool {
        try await session.insert(into: "theatres").model(row)
            .ignoringConflicts(with: "id").returning("id").first() != nil
    }

    /// - Parameter lockingForUpdate: in a transaction that will change the row: PostgreSQL
    ///   locks it (`FOR UPDATE`); SQLite's transactions hold the write lock already.
    static func find<Row: Decodable & Sendable>(
        _ type: Row.Type, in table: String, id: String, on session: any SQLDatabase, lockingForUpdate: Bool = false
    ) async throws -> Row? {
        let query = session.select().column("*").from(table).where("id", .equal, id)
        if lockingForUpdate { query.for(.update) }
        return try await query.first(decoding: Row.self)
    }

    static func all<Row: Decodable & Sendable>(_ type: Row.Type, in table: String, on session: any SQLDatabase) async throws -> [Row] {
        try await session.select().column("*").from(table).orderBy("id")
            .all(decoding: Row.self)
    }

    static func update(_ row: some Encodable & Sendable, in table: String, id: String, on session: any SQLDatabase) async throws {
        // Nil as NULL: a patch that clears a field must clear its column.
        try await session.update(table).set(model: row, nilEncodingStrategy: .asNil)
            .where("id", .equal, id).run()
    }

    /// A scheduled showtime of `screenID` overlapping `[start, end)`, if any.
    static func overlapping(screenID: String, startMs: Int64, endMs: Int64, on session: any SQLDatabase) async throws -> String? {
        let row = try await session.select().column("id").from("showtimes")
            .where("screen_id", .equal, screenID)
            .where("status", .equal, Showtime.Status.scheduled.rawValue)
            .where("starts_at_ms", .lessThan, endMs)
            .where("ends_at_ms", .greaterThan, startMs)
            .first()
        return try row?.decode(column: "id", as: String.self)
    }

    /// Whose scheduled showtimes to read: one movie's or one theatre's (each has an index).
    enum ShowtimeScope {
        case movie(String), theatre(String)
    }

    /// Scheduled showtimes starting at or after `startMs`, soonest first.
    static func scheduledShowtimes(_ scope: ShowtimeScope, from startMs: Int64, on session: any SQLDatabase) async throws -> [ShowtimeRow] {
        var query = session.select().column("*").from("showtimes")
        switch scope {
        case .movie(let id): query = query.where("movie_id", .equal, id)
        case .theatre(let id): query = query.where("theatre_id", .equal, id)
        }
        return try await query
            .where("status", .equal, Showtime.Status.scheduled.rawValue)
            .where("starts_at_ms", .greaterThanOrEqual, startMs)
            .orderBy("starts_at_ms").orderBy("id")
            .all(decoding: ShowtimeRow.self)
    }

    static func cancelShowtime(id: String, at nowMs: Int64, on session: any SQLDatabase) async throws {
        try await session.update("showtimes").set("status", to: Showtime.Status.cancelled.rawValue)
            .set("updated_at_ms", to: nowMs).where("id", .equal, id).run()
    }

    /// The catalog's version: one row, bumped by every change in the change's transaction.
    static func version(on session: any SQLDatabase) async throws -> Int64 {
        guard let row = try await session.select().column("version").from("catalog_version").where("id", .equal, 1).first() else {
            return 0
        }
        return try row.decode(column: "version", as: Int64.self)
    }

    static func bumpVersion(on session: any SQLDatabase) async throws {
        try await session.update("catalog_version").set(SQLColumn("version"), to: SQLRaw("version + 1")).where("id", .equal, 1).run()
    }
}
