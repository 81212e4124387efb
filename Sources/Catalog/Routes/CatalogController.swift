import BoxOfficeEdge
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import Search
import SeatProtocol

/// The catalog routes under `/api/v1`: public reads and search, admin management of movies
/// and theatres, and theatre staff's screens and showtimes.
public struct CatalogController: Sendable {
    public typealias Context = BoxOfficeRequestContext
    /// The largest screen a theatre may import (name and layout): as large as the seat server
    /// takes a layout, enough for a 100,000-seat stadium.
    public static let screenBytesMax = ProtocolLimits.payloadBytesMax
    /// How long clients and this instance's cache may keep a public catalog answer.
    public static let publicMaxAgeSeconds = 30

    let service: CatalogService
    let identities: any CurrentIdentities
    /// Public answers, kept per catalog version (unless turned off).
    let cache: ResponseCache?
    /// Movie pages' ratings (as fresh as the cache's max-age).
    let ratings: (any MovieRatings)?

    /// - Parameters:
    ///   - identities: who staff and admins are now (their tokens may be minutes old).
    ///   - cachingAnswers: keep public answers in memory while the catalog is unchanged.
    ///   - monotonicNanoseconds: the clock that ages cached answers.
    public init(
        service: CatalogService, identities: any CurrentIdentities, ratings: (any MovieRatings)? = nil, cachingAnswers: Bool = true,
        monotonicNanoseconds: @escaping @Sendable () -> Int64
    ) {
        self.service = service
        self.identities = identities
        self.ratings = ratings
        cache = cachingAnswers
            ? ResponseCache(maxAge: .seconds(Self.publicMaxAgeSeconds), now: monotonicNanoseconds, generation: { service.version })
            : nil
    }

    public func addRoutes(to api: RouterGroup<Context>, idempotency: IdempotencyMiddleware) {
        api.group().add(middleware: ConditionalGetMiddleware(maxAgeSeconds: Self.publicMaxAgeSeconds, cache: cache))
            .get("movies", use: listing)
            .get("movies/{movieId}", use: movie)
            .get("theatres", use: theatres)
            .get("theatres/{theatreId}", use: theatre)
            .get("search", use: search)
            .get("suggest", use: suggest)
        api.get("showtimes/{showtimeId}/seats", use: seatMap)
        api.group("admin")
            .add(middleware: CurrentIdentityMiddleware(identities))
            .add(middleware: AuthorizationPolicyMiddleware(RolePolicy<Identity>(.admin), deniedError: Problem.forbidden, context: Context.self))
            .add(middleware: idempotency)
            .post("movies", use: createMovie)
            .patch("movies/{movieId}", use: updateMovie)
            .post("theatres", use: createTheatre)
        api.group("theatres/{theatreId}")
            .add(middleware: CurrentIdentityMiddleware(identities))
            .add(middleware: StaffOfTheatre())
            .add(middleware: idempotency)
            .patch(use: updateTheatre)
            .post("screens", use: createScreen)
            .post("showtimes", use: createShowtime)
            .post("showtimes/{showtimeId}/cancel", use: cancelShowtime)
    }

    // MARK: public

    @Sendable func movie(_ request: Request, context: Context) async throws -> CatalogAPI.MovieDetails {
        let id = try context.parameters.require("movieId")
        guard Identifiers.isGenerated(id) else { throw CatalogError.movieNotFound }
        let (movie, showtimes, theatres) = try await service.movie(id: id)
        let theatresByID = Dictionary(uniqueKeysWithValues: theatres.map { ($0.id, $0) })
        var days: [String: [String: [Showtime]]] = [:]
        for showtime in showtimes {
            guard let theatre = theatresByID[showtime.theatreId] else { continue }
            days[CalendarDate.string(showtime.startsAt, in: TimeZone(identifier: theatre.timeZone) ?? .gmt), default: [:]][theatre.id, default: []].append(showtime)
        }
        return .init(movie: movie, rating: try await ratings?.rating(of: id), schedule: days.keys.sorted().map { date in
            .init(date: date, theatres: days[date]!.keys.sorted().map { theatreID in
                .init(theatre: theatresByID[theatreID]!, showtimes: days[date]![theatreID]!.sorted { $0.startsAt < $1.startsAt })
            })
        })
    }

    /// Tagged with the seats' version and to be revalidated on every use: seats change by the second.
    @Sendable func seatMap(_ request: Request, context: Context) async throws -> Response {
        let id = try context.parameters.require("showtimeId")
        guard Identifiers.isGenerated(id) else { throw CatalogError.showtimeNotFound }
        let (body, version) = try await service.seatMap(showtimeID: id)
        let tag = "\"\(version)\""
        if ConditionalGetMiddleware.ifNoneMatch(request.headers[.ifNoneMatch], matches: tag) {
            return Response(status: .notModified, headers: [.eTag: tag, .cacheControl: "no-cache"])
        }
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8", .eTag: tag, .cacheControl: "no-cache"],
                        body: .init(byteBuffer: body))
    }

    @Sendable func listing(_ request: Request, context: Context) async throws -> CatalogAPI.Listing {
        let city = try Self.city(request)
        let parameters = request.uri.queryParameters
        let offset = try QueryParameters.integer(parameters, "offset", in: 0...SearchParameters.offsetMax) ?? 0
        let limit = try QueryParameters.integer(parameters, "limit", in: 1...SearchQuery.limitMax) ?? 50
        let (nowShowing, total, comingSoon) = try await service.listing(city: city, offset: offset, limit: limit)
        return .init(nowShowing: nowShowing.map(MovieSummary.init), nowShowingTotal: total, comingSoon: comingSoon.map(MovieSummary.init))
    }

    @Sendable func theatres(_ request: Request, context: Context) async throws -> CatalogAPI.Theatres {
        .init(theatres: try await service.theatres(in: try Self.city(request)))
    }

    @Sendable func theatre(_ request: Request, context: Context) async throws -> CatalogAPI.TheatreDetails {
        let id = try context.parameters.require("theatreId")
        guard Identifiers.isTheatreID(id) else { throw CatalogError.theatreNotFound }
        let (theatre, screens, showtimes) = try await service.theatreSchedule(id: id)
        return .init(theatre: theatre, screens: screens, showtimes: showtimes)
    }

    static func city(_ request: Request) throws -> String? {
        guard let city = request.uri.queryParameters["city"] else { return nil }
        guard city.unicodeScalars.count <= 100 else { throw Problem.validation(field: "city", "must be at most 100 characters") }
        return String(city)
    }

    @Sendable func search(_ request: Request, context: Context) async throws -> CatalogAPI.SearchResponse {
        var query = try SearchParameters.query(from: request.uri.queryParameters)
        query.listedFromMs = service.now().millisecondsSince1970
        let result = service.searchIndex.search(query)
        // A page of hits; their full records come from the catalog in one query.
        let movies = service.movies(ids: result.hits.map(\.movieID))
        return .init(
            total: result.total,
            hits: result.hits.compactMap { hit in
                guard let movie = movies[hit.movieID] else { return nil }
                return .init(movie: MovieSummary(movie), showtimes: hit.showtimes.map {
                    .init(id: $0.showtimeID, theatreId: $0.theatreID, city: $0.city,
                          startsAt: Date(timeIntervalSince1970: TimeInterval($0.startsAtMs) / 1000), language: $0.language,
                          format: $0.format, lowestPriceMinor: $0.lowestPriceMinor)
                }, showtimeCount: hit.showtimeCount)
            },
            facets: Dictionary(uniqueKeysWithValues: result.facets.map { ($0.key.rawValue, $0.value) }))
    }

    @Sendable func suggest(_ request: Request, context: Context) async throws -> CatalogAPI.Suggestions {
        let text = request.uri.queryParameters["q"].map(String.init) ?? ""
        guard text.unicodeScalars.count <= SearchQuery.textCharactersMax else {
            throw Problem.validation(field: "q", "must be at most \(SearchQuery.textCharactersMax) characters")
        }
        return .init(suggestions: service.searchIndex.suggestions(for: text))
    }

    // MARK: admin

    @Sendable func createMovie(_ request: Request, context: Context) async throws -> EditedResponse<Movie> {
        let input = try await request.decode(as: MovieInput.self, context: context)
        let movie = try await service.createMovie(input)
        return EditedResponse(status: .created, headers: [.location: "/api/v1/movies/\(movie.id)"], response: movie)
    }

    @Sendable func createTheatre(_ request: Request, context: Context) async throws -> EditedResponse<Theatre> {
        let input = try await request.decode(as: TheatreInput.self, context: context)
        return EditedResponse(status: .created, response: try await service.createTheatre(input))
    }

    @Sendable func updateMovie(_ request: Request, context: Context) async throws -> Movie {
        let id = try context.parameters.require("movieId")
        guard Identifiers.isGenerated(id) else { throw CatalogError.movieNotFound }
        return try await service.updateMovie(id: id, patch: try await Self.body(request, context))
    }

    static func body(_ request: Request, _ context: Context) async throws -> Data {
        var request = request
        return Data(try await request.collectBody(upTo: context.maxUploadSize).readableBytesView)
    }

    // MARK: staff of a theatre

    @Sendable func updateTheatre(_ request: Request, context: Context) async throws -> Theatre {
        try await service.updateTheatre(id: try context.parameters.require("theatreId"), patch: try await Self.body(request, context))
    }

    @Sendable func createScreen(_ request: Request, context: Context) async throws -> EditedResponse<Screen> {
        // A screen's layout may be a stadium's: its own limit, the seat server's largest payload.
        var request = request
        let body = Data(try await request.collectBody(upTo: Self.screenBytesMax).readableBytesView)
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw Problem.malformedBody("the body is not a JSON object")
        }
        guard let name = object["name"] as? String else { throw Problem.malformedBody("/name must be a string") }
        guard let layout = object["layout"] as? [String: Any], JSONSerialization.isValidJSONObject(layout) else {
            throw Problem.malformedBody("/layout must be an object")
        }
        let layoutJSON = try JSONSerialization.data(withJSONObject: layout, options: [.sortedKeys])
        let screen = try await service.createScreen(
            theatreID: try context.parameters.require("theatreId"), name: name, layoutJSON: Array(layoutJSON))
        return EditedResponse(status: .created, response: screen)
    }

    @Sendable func createShowtime(_ request: Request, context: Context) async throws -> EditedResponse<Showtime> {
        let input = try await request.decode(as: ShowtimeInput.self, context: context)
        let showtime = try await service.createShowtime(theatreID: try context.parameters.require("theatreId"), input)
        return EditedResponse(status: .created, response: showtime)
    }

    @Sendable func cancelShowtime(_ request: Request, context: Context) async throws -> Showtime {
        let id = try context.parameters.require("showtimeId")
        guard Identifiers.isGenerated(id) else { throw CatalogError.showtimeNotFound }
        return try await service.cancelShowtime(id, theatreID: try context.parameters.require("theatreId"))
    }
}