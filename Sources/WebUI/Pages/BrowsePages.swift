import BoxOfficeEdge
import Catalog
import Foundation
import Hummingbird
import Payments
import Recommendations
import Recommender
import Reviews
import Search

/// The pages anyone can read: what is on in a city, search, a movie with its showtimes, a
/// theatre's programme.
struct BrowsePages: Sendable {
    typealias Context = WebRequestContext
    let renderer: PageRenderer
    let catalog: CatalogService
    let reviews: ReviewService
    let recommendations: RecommendationService

    /// The city a visitor last chose, remembered for a year (not personal: no consent needed).
    static let cityCookie = "bo_city"
    static let reviewsShown = 5
    static let recommendationsShown = 8

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("", use: home)
        group.get("search", use: search)
        group.get("movies/{movieId}", use: movie)
        group.get("theatres/{theatreId}", use: theatre)
        group.post("recommendations/dismiss", use: dismiss)
    }

    // MARK: home

    struct Home: Sendable {
        let city: String
        let cities: [CityOption]
        let nowShowing: [MovieCard]
        let comingSoon: [MovieCard]
        let isEmpty: Bool
        let recommended: [MovieCard]
        let recommendedHeading: String
    }

    struct CityOption: Sendable {
        let name: String
        let selected: Bool
    }

    @Sendable func home(_ request: Request, context: Context) async throws -> Response {
        let theatres = try await catalog.theatres(in: nil)
        let cities = Array(Set(theatres.map(\.city))).sorted()
        let asked = request.uri.queryParameters["city"].map(String.init) ?? request.cookies[Self.cityCookie]?.value
        let city = cities.first { $0.compare(asked ?? "", options: [.caseInsensitive, .diacriticInsensitive]) == .orderedSame }
            ?? cities.first ?? ""
        let listing = try await catalog.listing(city: city.isEmpty ? nil : city, limit: 24)
        let person = context.identity.flatMap { $0.kind == .user ? $0.subject : nil }
        let recommended = await recommendedCards(for: person, city: city.isEmpty ? nil : city)
        let home = Home(
            city: city, cities: cities.map { CityOption(name: $0, selected: $0 == city) },
            nowShowing: listing.nowShowing.map { MovieCard($0) }, comingSoon: listing.comingSoon.prefix(8).map { MovieCard($0) },
            isEmpty: listing.nowShowing.isEmpty, recommended: recommended,
            recommendedHeading: person != nil ? "Recommended for you" : city.isEmpty ? "Popular now" : "Popular in \(city)")
        var response = renderer.render("home", title: city.isEmpty ? "Now showing" : "Now showing in \(city)", content: home,
                                       context: context)
        if request.uri.queryParameters["city"] != nil, !city.isEmpty, city.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != 0x3B }) {
            response.setCookie(Cookie(name: Self.cityCookie, value: city, maxAge: 365 * 86_400, path: "/", httpOnly: true, sameSite: .lax))
        }
        return response
    }

    /// The home page's recommendations; a page without them rather than no page when the model
    /// cannot be had.
    func recommendedCards(for person: String?, city: String?) async -> [MovieCard] {
        do {
            return try await recommendations.forYou(userID: person, city: city, limit: Self.recommendationsShown, whileFirstBuilds: .answerWithout)
                .compactMap { MovieCard($0, catalog: catalog, isDismissible: person != nil) }
        } catch {
            return []
        }
    }

    struct Dismissal: Decodable {
        var movieId: String
    }

    /// "Not interested", from a card on the home page.
    @Sendable func dismiss(_ request: Request, context: Context) async throws -> Response {
        let identity = try context.signedIn(returnTo: "/")
        var request = request
        let form = try await request.form(Dismissal.self, context: context)
        guard identity.kind == .user, Identifiers.isGenerated(form.movieId) else { throw CatalogError.movieNotFound }
        try await recommendations.dismiss(userID: identity.subject, movieID: form.movieId)
        return PageRenderer.redirect(to: "/")
    }

    /// Notes a signed-in person's page view or search for their recommendations; a page is never
    /// refused for want of it.
    func note(_ signal: SignalInput, context: Context) async {
        guard let identity = context.identity, identity.kind == .user else { return }
        try? await recommendations.record(userID: identity.subject, [signal])
    }

    // MARK: search

    struct Results: Sendable {
        let text: String
        let total: Int
        let hits: [Hit]
        let genres: [FacetOption]
        let languages: [FacetOption]
        let hasFilters: Bool
        let noneFound: Bool
    }

    struct Hit: Sendable {
        let movie: MovieCard
        let showtimes: [ShowtimeLink]
    }

    struct FacetOption: Sendable {
        let value: String
        let count: Int
        let checked: Bool
    }

    struct ShowtimeLink: Sendable {
        let id: String
        let time: String
        let day: String
        let details: String
        let price: String?
    }

    @Sendable func search(_ request: Request, context: Context) async throws -> Response {
        let parameters = request.uri.queryParameters
        var query = try SearchParameters.query(from: parameters)
        query.listedFromMs = catalog.now().millisecondsSince1970
        query.startsFromMs = query.startsFromMs ?? catalog.now().millisecondsSince1970
        query.showtimesPerHit = 6
        let result = catalog.searchIndex.search(query)
        if !query.text.isEmpty { await note(SignalInput(kind: SignalKind.search.rawValue, query: query.text, surface: "search"), context: context) }
        let movies = catalog.movies(ids: result.hits.map(\.movieID))
        let theatres = Dictionary(uniqueKeysWithValues: try await catalog.theatres(in: nil).map { ($0.id, $0) })
        let hits = result.hits.compactMap { hit -> Hit? in
            guard let movie = movies[hit.movieID] else { return nil }
            return Hit(movie: MovieCard(movie), showtimes: hit.showtimes.map { showtime in
                let clock = LocalTime(zoneIdentifier: theatres[showtime.theatreID]?.timeZone ?? "UTC")
                let startsAt = Date(timeIntervalSince1970: TimeInterval(showtime.startsAtMs) / 1000)
                return ShowtimeLink(
                    id: showtime.showtimeID, time: clock.time(startsAt), day: clock.day(startsAt),
                    details: [theatres[showtime.theatreID]?.name ?? "", showtime.format, showtime.language]
                        .filter { !$0.isEmpty }.joined(separator: " · "),
                    price: nil)
            })
        }
        func facet(_ key: Search.Facet, chosen: Set<String>) -> [FacetOption] {
            (result.facets[key] ?? [:]).sorted { ($1.value, $0.key) < ($0.value, $1.key) }.prefix(12).map {
                FacetOption(value: $0.key, count: $0.value, checked: chosen.contains($0.key))
            }
        }
        let results = Results(
            text: query.text, total: result.total, hits: hits, genres: facet(.genre, chosen: query.genres),
            languages: facet(.language, chosen: query.languages), hasFilters: !query.genres.isEmpty || !query.languages.isEmpty,
            noneFound: hits.isEmpty)
        return renderer.render("search", title: query.text.isEmpty ? "Search" : "Search: \(query.text)", content: results,
                               context: context, scripts: [], query: query.text)
    }

    // MARK: a movie

    struct MoviePage: Sendable {
        let movie: MovieCard
        let synopsis: String
        let languages: String
        let formats: String
        let releaseDate: String
        let cast: [String]
        let days: [Day]
        let reviews: [ReviewView]
        let hasShowtimes: Bool
        let alsoChosen: [MovieCard]
    }

    struct Day: Sendable {
        let label: String
        let theatres: [TheatreShowtimes]
    }

    struct TheatreShowtimes: Sendable {
        let id: String
        let name: String
        let showtimes: [ShowtimeLink]
    }

    struct ReviewView: Sendable {
        let author: String
        let stars: String
        let title: String?
        let body: String
    }

    @Sendable func movie(_ request: Request, context: Context) async throws -> Response {
        let id = try context.parameters.require("movieId")
        guard Identifiers.isGenerated(id) else { throw CatalogError.movieNotFound }
        let (movie, showtimes, theatres) = try await catalog.movie(id: id)
        let (rating, reviewList) = try await reviews.reviews(movieID: id, limit: Self.reviewsShown, offset: 0)
        let theatresByID = Dictionary(uniqueKeysWithValues: theatres.map { ($0.id, $0) })
        let days = Self.days(of: showtimes, theatres: theatresByID)
        await note(SignalInput(kind: SignalKind.detailView.rawValue, movieId: id, surface: "movie"), context: context)
        let city = request.cookies[Self.cityCookie]?.value
        let alsoChosen = (try? await recommendations.alsoBooked(
            movieID: id, city: city, limit: Self.recommendationsShown, whileFirstBuilds: .answerWithout)) ?? []
        let page = MoviePage(
            movie: MovieCard(movie, rating: rating), synopsis: movie.synopsis, languages: movie.languages.joined(separator: ", "),
            formats: movie.formats.joined(separator: ", "), releaseDate: movie.releaseDate,
            cast: movie.cast.prefix(8).map { "\($0.name) (\($0.role))" }, days: days,
            reviews: reviewList.map {
                ReviewView(author: $0.authorName, stars: String(repeating: "★", count: $0.rating) + String(repeating: "☆", count: 5 - $0.rating),
                           title: $0.title, body: $0.body)
            },
            hasShowtimes: !days.isEmpty,
            // The section's heading says why; each card's reason would repeat it.
            alsoChosen: alsoChosen.compactMap { MovieCard($0, catalog: catalog, isDismissible: false)?.withoutReason })
        return renderer.render("movie", title: movie.title, content: page, context: context)
    }

    /// Showtimes by the theatre's calendar day, then by theatre, in time order.
    static func days(of showtimes: [Showtime], theatres: [String: Theatre]) -> [Day] {
        var byDay: [(key: String, label: String, showtimes: [Showtime])] = []
        for showtime in showtimes.sorted(by: { $0.startsAt < $1.startsAt }) {
            let clock = LocalTime(zoneIdentifier: theatres[showtime.theatreId]?.timeZone ?? "UTC")
            let key = clock.dayKey(showtime.startsAt)
            if byDay.last?.key == key { byDay[byDay.count - 1].showtimes.append(showtime) } else {
                byDay.append((key, clock.day(showtime.startsAt), [showtime]))
            }
        }
        return byDay.map { day in
            let theatreIDs = day.showtimes.map(\.theatreId).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            return Day(label: day.label, theatres: theatreIDs.map { theatreID in
                let theatre = theatres[theatreID]
                let clock = LocalTime(zoneIdentifier: theatre?.timeZone ?? "UTC")
                return TheatreShowtimes(
                    id: theatreID, name: theatre?.name ?? "", showtimes: day.showtimes.filter { $0.theatreId == theatreID }.map { showtime in
                        ShowtimeLink(id: showtime.id, time: clock.time(showtime.startsAt), day: day.label,
                                     details: "\(showtime.format) · \(showtime.language)",
                                     price: showtime.prices.values.min().map { "from " + Money($0, showtime.currency).formatted })
                    })
            })
        }
    }

    // MARK: a theatre

    struct TheatrePage: Sendable {
        let name: String
        let address: String
        let amenities: String
        let cancellation: String
        let days: [MovieDay]
        let hasShowtimes: Bool
    }

    struct MovieDay: Sendable {
        let label: String
        let movies: [MovieShowtimes]
    }

    struct MovieShowtimes: Sendable {
        let id: String
        let title: String
        let showtimes: [ShowtimeLink]
    }

    @Sendable func theatre(_ request: Request, context: Context) async throws -> Response {
        let id = try context.parameters.require("theatreId")
        guard Identifiers.isTheatreID(id) else { throw CatalogError.theatreNotFound }
        let (theatre, _, showtimes) = try await catalog.theatreSchedule(id: id)
        let movies = catalog.movies(ids: Array(Set(showtimes.map(\.movieId))))
        let showtimesByID = Dictionary(uniqueKeysWithValues: showtimes.map { ($0.id, $0) })
        let days = Self.days(of: showtimes, theatres: [id: theatre]).map { day in
            let all = day.theatres.flatMap(\.showtimes)
            let movieIDs = all.compactMap { showtimesByID[$0.id]?.movieId }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            return MovieDay(label: day.label, movies: movieIDs.map { movieID in
                MovieShowtimes(id: movieID, title: movies[movieID]?.title ?? "", showtimes: all.filter { showtimesByID[$0.id]?.movieId == movieID })
            })
        }
        let policy = theatre.cancellationPolicy
        let cancellation = policy.feeBasisPoints == 0
            ? "Bookings can be cancelled free of charge up to \(policy.cutoffMinutes) minutes before the showtime."
            : "Bookings can be cancelled up to \(policy.cutoffMinutes) minutes before the showtime, for a fee of \(Percent(policy.feeBasisPoints)) of the price."
        let page = TheatrePage(
            name: theatre.name, address: "\(theatre.address), \(theatre.city)", amenities: theatre.amenities.joined(separator: " · "),
            cancellation: cancellation, days: days, hasShowtimes: !days.isEmpty)
        return renderer.render("theatre", title: theatre.name, content: page, context: context)
    }
}

/// Basis points as a percentage people read: `10 %`, `12.5 %`.
struct Percent: CustomStringConvertible {
    let basisPoints: Int64
    init(_ basisPoints: Int64) { self.basisPoints = basisPoints }

    var description: String {
        let whole = basisPoints / 100, hundredths = basisPoints % 100
        guard hundredths != 0 else { return "\(whole) %" }
        let fraction = hundredths % 10 == 0 ? "\(hundredths / 10)" : String(format: "%02lld", hundredths)
        return "\(whole).\(fraction) %"
    }
}
