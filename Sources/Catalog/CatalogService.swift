import BoxOfficeEdge
import BoxOfficeStorage
import Foundation
import SQLKit
import Search
import Synchronization

/// The catalog: movies, theatres, their screens (layouts in the seat server) and showtimes
/// (shows in the seat server), and the search index over them.
///
/// Every change bumps the catalog's version in the database, in the change's transaction. An
/// instance rebuilds its search index (replaced whole, so a search never sees half a change)
/// and drops its caches after its own changes at once, and after other instances' when
/// ``refreshIfChanged()`` next finds a new version (``CatalogChangeWatcher`` asks every second).
public final class CatalogService: Sendable {
    /// How old the index may grow before it is rebuilt anyway: showtimes that have begun leave it.
    public static let indexAgeMax: TimeInterval = 300

    let database: Database
    let seats: any SeatCore
    public let now: @Sendable () -> Date
    private let current = Mutex(Current(version: -1, index: SearchIndex(documents: []), movies: [:], builtAt: .distantPast))
    let seatMaps = SeatMapCache()

    /// The catalog as this instance last read it: the index, and the movies it lists (so a
    /// search answers without the database).
    private struct Current {
        var version: Int64
        var index: SearchIndex
        var movies: [String: Movie]
        var builtAt: Date
    }

    public init(database: Database, seats: any SeatCore, now: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        self.seats = seats
        self.now = now
    }

    public var searchIndex: SearchIndex { current.withLock { $0.index } }

    /// The catalog version this instance's index and caches show: it changes with the catalog.
    public var version: Int64 { current.withLock { $0.version } }

    /// Makes `body`'s change and bumps the catalog's version in one transaction, then (unless a
    /// bulk load will once at its end) brings this instance's index and caches up to it.
    func change<Result: Sendable>(
        refreshing: Bool = true, _ body: @escaping @Sendable (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        let result = try await database.transaction { session in
            let result = try await body(session)
            try await CatalogRecords.bumpVersion(on: session)
            return result
        }
        if refreshing { try await rebuildSearchIndex() }
        return result
    }

    // MARK: movies and theatres

    /// - Parameter refreshingSearch: false for bulk loads, which rebuild the index once at the end.
    public func createMovie(_ input: MovieInput, refreshingSearch: Bool = true) async throws -> Movie {
        let movie = try input.validated(id: UUID.timeOrderedID())
        let nowMs = now().millisecondsSince1970
        try await change(refreshing: refreshingSearch) {
            try await CatalogRecords.insert(CatalogRecords.MovieRow(movie, at: nowMs), into: "movies", on: $0)
        }
        return movie
    }

    /// Changes a movie by a JSON merge patch, validated as a whole movie.
    public func updateMovie(id: String, patch: Data) async throws -> Movie {
        let nowMs = now().millisecondsSince1970
        return try await change { session in
            guard let row = try await CatalogRecords.find(CatalogRecords.MovieRow.self, in: "movies", id: id, on: session, lockingForUpdate: true)
            else { throw CatalogError.movieNotFound }
            let input = try MergePatch.apply(patch, to: try row.movie(), as: MovieInput.self, unchangeable: ["id"])
            let movie = try input.validated(id: id)
            var updated = CatalogRecords.MovieRow(movie, at: nowMs)
            updated.createdAtMs = row.createdAtMs
            try await CatalogRecords.update(updated, in: "movies", id: id, on: session)
            return movie
        }
    }

    /// Changes a theatre by a JSON merge patch (its id stays), validated as a whole theatre.
    public func updateTheatre(id: String, patch: Data) async throws -> Theatre {
        let nowMs = now().millisecondsSince1970
        return try await change { session in
            guard let row = try await CatalogRecords.find(CatalogRecords.TheatreRow.self, in: "theatres", id: id, on: session, lockingForUpdate: true)
            else { throw CatalogError.theatreNotFound }
            let input = try MergePatch.apply(patch, to: try row.theatre(), as: TheatreInput.self, unchangeable: ["id"])
            let theatre = try input.validated()
            var updated = CatalogRecords.TheatreRow(theatre, at: nowMs)
            updated.createdAtMs = row.createdAtMs
            try await CatalogRecords.update(updated, in: "theatres", id: id, on: session)
            return theatre
        }
    }

    /// Whether the catalog holds no movie yet (a fresh deployment).
    public func isEmpty() async throws -> Bool {
        try await database.withReadSession { try await $0.select().column("id").from("movies").limit(1).first() == nil }
    }

    public func createTheatre(_ input: TheatreInput) async throws -> Theatre {
        let theatre = try input.validated()
        let nowMs = now().millisecondsSince1970
        try await change {
            guard try await CatalogRecords.insertTheatre(.init(theatre, at: nowMs), on: $0) else { throw CatalogError.theatreExists }
        }
        return theatre
    }

    public func theatre(id: String) async throws -> Theatre {
        guard let row = try await database.withReadSession({
            try await CatalogRecords.find(CatalogRecords.TheatreRow.self, in: "theatres", id: id, on: $0)
        }) else { throw CatalogError.theatreNotFound }
        return try row.theatre()
    }

    // MARK: screens

    /// Defines the screen's layout in the seat server, then records the screen.
    public func createScreen(theatreID: String, name rawName: String, layoutJSON: [UInt8]) async throws -> Screen {
        _ = try await theatre(id: theatreID)
        let name = try CatalogRules.text(rawName, field: "name", max: 100)
        let categories = try Self.categories(ofLayout: layoutJSON)
        let defined = try await seats.defineLayout(json: layoutJSON)
        let row = CatalogRecords.ScreenRow(
            id: UUID.timeOrderedID(), theatreId: theatreID, name: name,
            layout: String(decoding: layoutJSON, as: UTF8.self), seatLayoutId: Int64(defined.layoutID),
            seatCount: defined.seatCount, categories: JSONColumn.text(categories), createdAtMs: now().millisecondsSince1970)
        try await change { try await CatalogRecords.insert(row, into: "screens", on: $0) }
        return try row.screen()
    }

    /// The categories a layout names (the seat server checks the rest of it).
    static func categories(ofLayout json: [UInt8]) throws(CatalogError) -> [SeatCategory] {
        struct Layout: Decodable { var categories: [SeatCategory] }
        guard let layout = try? JSONDecoder().decode(Layout.self, from: Data(json)), !layout.categories.isEmpty,
              layout.categories.count <= 20,
              layout.categories.allSatisfy({ !$0.id.isEmpty && $0.id.count <= 40 && $0.name.count <= 100 })
        else { throw .invalidField(field: "layout", message: "must be a seat layout with 1 to 20 categories") }
        return layout.categories
    }

    // MARK: showtimes

    /// Schedules a showtime: checks the movie, the screen and the clock, creates the show in the
    /// seat server, then records it. Should recording fail, the show is cancelled again, so the
    /// seat server never sells a showtime the catalog does not know.
    public func createShowtime(theatreID: String, _ input: ShowtimeInput, refreshingSearch: Bool = true) async throws -> Showtime {
        let nowDate = now()
        let (movieRow, screenRow) = try await database.withReadSession { session in
            (try await CatalogRecords.find(CatalogRecords.MovieRow.self, in: "movies", id: input.movieId, on: session),
             try await CatalogRecords.find(CatalogRecords.ScreenRow.self, in: "screens", id: input.screenId, on: session))
        }
        guard let movieRow else { throw CatalogError.invalidField(field: "movieId", message: "names no movie") }
        guard let screenRow, screenRow.theatreId == theatreID else {
            throw CatalogError.invalidField(field: "screenId", message: "names no screen of this theatre")
        }
        let movie = try movieRow.movie()
        let screen = try screenRow.screen()
        let showtime = try input.validated(id: UUID.timeOrderedID(), movie: movie, screen: screen, now: nowDate)
        let startMs = showtime.startsAt.millisecondsSince1970
        let endMs = showtime.endsAt.millisecondsSince1970
        if let busy = try await database.withReadSession({
            try await CatalogRecords.overlapping(screenID: screen.id, startMs: startMs - CatalogRules.turnaroundMilliseconds,
                                                 endMs: endMs + CatalogRules.turnaroundMilliseconds, on: $0)
        }) { throw CatalogError.screenBusy(showtimeID: busy) }

        guard let layoutID = UInt32(exactly: screenRow.seatLayoutId) else { throw CatalogError.notInSeatServer }
        let showID = try await seats.createShow(layoutID: layoutID)
        let row = CatalogRecords.ShowtimeRow(showtime, seatShowID: Int64(showID), at: nowDate.millisecondsSince1970)
        do {
            try await change(refreshing: false) { session in
                // Again inside the write lock: two staff members may schedule the same screen at once.
                if let busy = try await CatalogRecords.overlapping(
                    screenID: screen.id, startMs: startMs - CatalogRules.turnaroundMilliseconds,
                    endMs: endMs + CatalogRules.turnaroundMilliseconds, on: session) {
                    throw CatalogError.screenBusy(showtimeID: busy)
                }
                try await CatalogRecords.insert(row, into: "showtimes", on: session)
            }
        } catch {
            try? await seats.cancelShow(showID)
            throw error
        }
        if refreshingSearch { try await rebuildSearchIndex() }
        return showtime
    }

    /// Cancels a showtime of `theatreID`: in the seat server first (no more sales), then here.
    public func cancelShowtime(_ showtimeID: String, theatreID: String) async throws -> Showtime {
        guard let row = try await database.withReadSession({
            try await CatalogRecords.find(CatalogRecords.ShowtimeRow.self, in: "showtimes", id: showtimeID, on: $0)
        }), row.theatreId == theatreID else { throw CatalogError.showtimeNotFound }
        if row.status == Showtime.Status.scheduled.rawValue {
            // An imported showtime has no show in the seat server: nothing to cancel there.
            if let showID = UInt32(exactly: row.seatShowId) { try await seats.cancelShow(showID) }
            let nowMs = now().millisecondsSince1970
            try await change { try await CatalogRecords.cancelShowtime(id: showtimeID, at: nowMs, on: $0) }
        }
        var cancelled = try row.showtime()
        cancelled.status = .cancelled
        return cancelled
    }

    // MARK: reads

    /// Which of `showtimeIDs` are cancelled (for the booking service, which refunds their
    /// bookings). Asked 500 ids at a time.
    public func cancelledShowtimes(among showtimeIDs: [String]) async throws -> Set<String> {
        var cancelled: Set<String> = []
        for start in stride(from: 0, to: showtimeIDs.count, by: 500) {
            let chunk = Array(showtimeIDs[start..<min(start + 500, showtimeIDs.count)])
            let rows = try await database.withReadSession { session in
                try await session.select().column("id").from("showtimes")
                    .where(SQLColumn("id"), .in, SQLBind.group(chunk))
                    .where("status", .equal, Showtime.Status.cancelled.rawValue)
                    .all()
            }
            for row in rows { cancelled.insert(try row.decode(column: "id", as: String.self)) }
        }
        return cancelled
    }

    /// A movie with its scheduled showtimes from now on and the theatres they are in.
    public func movie(id: String) async throws -> (movie: Movie, showtimes: [Showtime], theatres: [Theatre]) {
        let fromMs = now().millisecondsSince1970
        return try await database.withReadSession { session in
            guard let row = try await CatalogRecords.find(CatalogRecords.MovieRow.self, in: "movies", id: id, on: session) else {
                throw CatalogError.movieNotFound
            }
            let showtimes = try await CatalogRecords.scheduledShowtimes(.movie(id), from: fromMs, on: session).map { try $0.showtime() }
            let theatreIDs = Array(Set(showtimes.map(\.theatreId)))
            let theatres = theatreIDs.isEmpty ? [] : try await session.select().column("*").from("theatres")
                .where("id", .in, theatreIDs)
                .all(decoding: CatalogRecords.TheatreRow.self).map { try $0.theatre() }
            return (try row.movie(), showtimes, theatres)
        }
    }

    /// Theatres, of `city` when given (compared without case or accents), by id.
    public func theatres(in city: String?) async throws -> [Theatre] {
        let theatres = try await database.withReadSession { session in
            try await CatalogRecords.all(CatalogRecords.TheatreRow.self, in: "theatres", on: session).map { try $0.theatre() }
        }
        guard let city else { return theatres }
        return theatres.filter { $0.city.compare(city, options: [.caseInsensitive, .diacriticInsensitive]) == .orderedSame }
    }

    /// A theatre with its screens and its scheduled showtimes from now on.
    public func theatreSchedule(id: String) async throws -> (theatre: Theatre, screens: [Screen], showtimes: [Showtime]) {
        let fromMs = now().millisecondsSince1970
        return try await database.withReadSession { session in
            guard let row = try await CatalogRecords.find(CatalogRecords.TheatreRow.self, in: "theatres", id: id, on: session) else {
                throw CatalogError.theatreNotFound
            }
            let screens = try await session.select().column("*").from("screens").where("theatre_id", .equal, id).orderBy("name")
                .all(decoding: CatalogRecords.ScreenRow.self).map { try $0.screen() }
            let showtimes = try await CatalogRecords.scheduledShowtimes(.theatre(id), from: fromMs, on: session).map { try $0.showtime() }
            return (try row.theatre(), screens, showtimes)
        }
    }

    /// Movies listed as coming soon, at most: the soonest first.
    public static let comingSoonMax = 100

    /// One page of the movies playing in `city` from now on (those with a scheduled showtime
    /// there), most popular and recent first, with how many there are in all; and the movies
    /// coming soon (released after today, by today's date in UTC), soonest first.
    public func listing(
        city: String?, offset: Int = 0, limit: Int = SearchQuery.limitMax
    ) async throws -> (nowShowing: [Movie], nowShowingTotal: Int, comingSoon: [Movie]) {
        let index = searchIndex
        var query = SearchQuery()
        query.offset = offset
        query.limit = limit
        query.showtimesPerHit = 0
        query.startsFromMs = now().millisecondsSince1970
        if let city { query.cities = [city] }
        let showing = index.search(query)
        let showingIDs = showing.hits.map(\.movieID)
        let today = SearchDocuments.day(of: CalendarDate.string(now()))
        let soonIDs = index.documents.filter { $0.releaseDay > today }.sorted { $0.releaseDay < $1.releaseDay }
            .prefix(Self.comingSoonMax).map(\.movieID)
        let movies = self.movies(ids: showingIDs + soonIDs)
        return (showingIDs.compactMap { movies[$0] }, showing.total, soonIDs.compactMap { movies[$0] })
    }

    /// Movies by id, as of the index (unknown ids are left out).
    public func movies(ids: [String]) -> [String: Movie] {
        current.withLock { current in
            var found: [String: Movie] = [:]
            for id in ids { found[id] = current.movies[id] }
            return found
        }
    }

    /// Rebuilds the index if the catalog changed since it was built (through another instance,
    /// say) or it is older than ``indexAgeMax``.
    public func refreshIfChanged() async throws {
        // Not before the first build, which follows the migrations at start.
        let (known, builtAt) = current.withLock { ($0.version, $0.builtAt) }
        guard known >= 0 else { return }
        let stored = try await database.withReadSession { try await CatalogRecords.version(on: $0) }
        guard stored != known || now().timeIntervalSince(builtAt) >= Self.indexAgeMax else { return }
        try await rebuildSearchIndex()
    }

    /// Rebuilds the search index from the database (every movie, with its scheduled showtimes
    /// from now on) and, if the catalog's version moved, forgets cached seat-map layouts.
    public func rebuildSearchIndex() async throws {
        let builtAt = now()
        let fromMs = builtAt.millisecondsSince1970
        // The version is read first: data read after it is at least as new, so a change that
        // lands in between is picked up again by the next refresh.
        let (version, movies, documents) = try await database.withReadSession { session in
            let version = try await CatalogRecords.version(on: session)
            let movies = try await CatalogRecords.all(CatalogRecords.MovieRow.self, in: "movies", on: session).map { try $0.movie() }
            let theatres = Dictionary(uniqueKeysWithValues: try await CatalogRecords.all(
                CatalogRecords.TheatreRow.self, in: "theatres", on: session).map { ($0.id, try $0.theatre()) })
            let showtimes = try await CatalogRecords.indexedShowtimes(from: fromMs, on: session)
            return (version, movies, try SearchDocuments.documents(movies: movies, showtimes: showtimes, theatres: theatres))
        }
        let fresh = SearchIndex(documents: documents)
        let moved = current.withLock { current -> Bool in
            // Two rebuilds may overlap; the older must not replace the newer.
            guard version >= current.version else { return false }
            defer {
                current = Current(version: version, index: fresh, movies: Dictionary(uniqueKeysWithValues: movies.map { ($0.id, $0) }),
                                  builtAt: builtAt)
            }
            return version != current.version
        }
        if moved { seatMaps.removeAll() }
    }
}
