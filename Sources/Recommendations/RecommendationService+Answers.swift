import Catalog
import Foundation
import Recommender
import Search

/// A recommended movie, with why, and how many showtimes it has near the person soon.
public struct RecommendedMovie: Sendable, Codable, Equatable {
    public var movie: MovieSummary
    public var reason: RecommendationReason
    public var showtimesSoon: Int
}

/// Recommendations following one movie the person booked.
public struct BecauseYouBooked: Sendable, Codable, Equatable {
    public var booked: MovieSummary
    public var recommendations: [RecommendedMovie]
}

/// What a person who just booked might also like: the same movie in another format or language
/// nearby, and other movies showing at the same theatre.
public struct AfterBooking: Sendable, Codable, Equatable {
    public struct OtherShowing: Sendable, Codable, Equatable {
        public var showtimeId: String
        public var theatreId: String
        public var theatreName: String
        public var startsAt: Date
        /// The theatre's time zone, to show `startsAt` in.
        public var timeZone: String
        public var format: String
        public var language: String
        public var reason: RecommendationReason
    }

    public var sameMovieOtherwise: [OtherShowing]
    public var alsoShowingHere: [RecommendedMovie]
}

/// The show a booking is for, as the booking service knows it.
public struct BookedShow: Sendable, Equatable {
    public var movieID: String
    public var theatreID: String
    public var showtimeID: String

    public init(movieID: String, theatreID: String, showtimeID: String) {
        self.movieID = movieID
        self.theatreID = theatreID
        self.showtimeID = showtimeID
    }
}

extension RecommendationService {
    /// "Recommended for you": movies showing in the person's city soon, best first, each with its
    /// reason. Anyone not signed in gets what is popular in the city. One impression is recorded
    /// for a signed-in person.
    public func forYou(userID: String?, city: String?, limit: Int, whileFirstBuilds: WhileFirstModelBuilds) async throws
        -> [RecommendedMovie]
    {
        let served = try await currentModel(whileFirstBuilds)
        let tastes = try await userID.asyncMap(tastes) ?? DeclaredTastes()
        let place = city ?? tastes.city
        let person = try await userID.asyncMap(personSignals) ?? PersonSignals([], weights: configuration.weights)
        let showing = showingSoon().movies(in: place)
        let candidates = showing.keys.compactMap { served.movieIndex[$0] }.sorted()
        let context = person.context(in: served, tastes: tastes, city: place, userID: userID)
        let chosen = served.model.recommend(
            for: context, candidates: candidates, count: limit, explorationShare: configuration.explorationShare,
            explorationSeed: Self.explorationSeed(userID: userID, day: now().millisecondsSince1970 / 86_400_000))
        let answer = describe(chosen, in: served, person: person, city: place, showing: showing)
        if let userID, !answer.isEmpty {
            do {
                try await record(userID: userID, [SignalInput(
                    kind: SignalKind.impression.rawValue, movieIds: answer.map(\.movie.id), surface: "home", city: place)])
            } catch {
                logger.warning("could not record an impression", metadata: ["error": "\(error)"])
            }
        }
        return answer
    }

    /// "People who booked this also booked": movies showing in the city soon that the same people
    /// wanted, or with the most similar content while too few did.
    public func alsoBooked(movieID: String, city: String?, limit: Int, whileFirstBuilds: WhileFirstModelBuilds) async throws
        -> [RecommendedMovie]
    {
        guard let movie = catalog.movies(ids: [movieID])[movieID] else { throw RecommendationError.movieNotFound }
        let served = try await currentModel(whileFirstBuilds)
        guard let item = served.movieIndex[movieID] else { return [] }
        let showing = showingSoon().movies(in: city)
        let candidates = showing.keys.compactMap { served.movieIndex[$0] }.sorted()
        let chosen = served.model.alsoWanted(with: item, candidates: candidates, count: limit)
        let movies = catalog.movies(ids: chosen.map { served.movieIDs[Int($0.item)] })
        let reason = RecommendationReason(code: .alsoBooked, text: "Often chosen with \(movie.title)", movieId: movieID)
        return chosen.compactMap { describe($0.item, in: served, showing: showing, reason: reason, movies: movies) }
    }

    /// Up to three lists, one per movie the person booked most recently, of what people who
    /// booked it also booked (leaving out what the person dismissed or booked).
    public func becauseYouBooked(userID: String, city: String?, limit: Int) async throws -> [BecauseYouBooked] {
        let served = try await currentModel(.wait)
        let person = try await personSignals(userID: userID)
        var place = city
        if place == nil { place = try await tastes(userID).city }
        let showing = showingSoon().movies(in: place)
        let excluded = Set(person.excluded.compactMap { served.movieIndex[$0] })
        let candidates = showing.keys.compactMap { served.movieIndex[$0] }.filter { !excluded.contains($0) }.sorted()
        let movies = catalog.movies(ids: person.booked)
        return person.booked.reversed().prefix(3).compactMap { movieID -> BecauseYouBooked? in
            guard let movie = movies[movieID], let item = served.movieIndex[movieID] else { return nil }
            let reason = RecommendationReason(code: .becauseYouBooked, text: "Because you booked \(movie.title)", movieId: movieID)
            let chosen = served.model.alsoWanted(with: item, candidates: candidates, count: limit)
            let chosenMovies = catalog.movies(ids: chosen.map { served.movieIDs[Int($0.item)] })
            let list = chosen.compactMap { describe($0.item, in: served, showing: showing, reason: reason, movies: chosenMovies) }
            return list.isEmpty ? nil : BecauseYouBooked(booked: MovieSummary(movie), recommendations: list)
        }
    }

    /// After a booking: the same movie in another format or language in the same city soon, and
    /// the person's recommendations among the other movies showing at that theatre soon.
    public func afterBooking(_ show: BookedShow, userID: String, limit: Int, whileFirstBuilds: WhileFirstModelBuilds) async throws
        -> AfterBooking
    {
        let (movie, showtimes, theatres) = try await catalog.movie(id: show.movieID)
        let theatreByID = Dictionary(uniqueKeysWithValues: theatres.map { ($0.id, $0) })
        var city = theatreByID[show.theatreID]?.city
        if city == nil { city = try? await catalog.theatre(id: show.theatreID).city }
        let booked = showtimes.first { $0.id == show.showtimeID }
        let horizonEnd = now().addingTimeInterval(TimeInterval(configuration.horizonDays * 86_400))
        let otherwise = showtimes.filter { showtime in
            showtime.id != show.showtimeID && showtime.startsAt < horizonEnd
                && (booked == nil || showtime.format != booked!.format || showtime.language != booked!.language)
                && theatreByID[showtime.theatreId].map { city == nil || $0.city == city } == true
        }.sorted { $0.startsAt < $1.startsAt }.prefix(limit).map { showtime in
            AfterBooking.OtherShowing(
                showtimeId: showtime.id, theatreId: showtime.theatreId, theatreName: theatreByID[showtime.theatreId]?.name ?? "",
                startsAt: showtime.startsAt, timeZone: theatreByID[showtime.theatreId]?.timeZone ?? "UTC", format: showtime.format, language: showtime.language,
                reason: RecommendationReason(code: .otherFormat, text: "\(movie.title) in \(showtime.format), \(showtime.language)",
                                             movieId: movie.id))
        }

        let served = try await currentModel(whileFirstBuilds)
        var query = SearchQuery()
        query.theatreIDs = [show.theatreID]
        query.startsFromMs = now().millisecondsSince1970
        query.startsBeforeMs = horizonEnd.millisecondsSince1970
        query.limit = SearchQuery.limitMax
        query.showtimesPerHit = 0
        let here = catalog.searchIndex.search(query).hits
        let showing = Dictionary(uniqueKeysWithValues: here.map { ($0.movieID, $0.showtimeCount) })
        let candidates = here.filter { $0.movieID != show.movieID }.compactMap { served.movieIndex[$0.movieID] }.sorted()
        let person = try await personSignals(userID: userID)
        let tastes = try await tastes(userID)
        let chosen = served.model.recommend(
            for: person.context(in: served, tastes: tastes, city: city, userID: userID), candidates: candidates, count: limit)
        return AfterBooking(sameMovieOtherwise: Array(otherwise),
                            alsoShowingHere: describe(chosen, in: served, person: person, city: city, showing: showing))
    }

    func describe(_ chosen: [Recommendation], in served: ServedModel, person: PersonSignals, city: String?,
                  showing: [String: Int]) -> [RecommendedMovie] {
        let movies = catalog.movies(ids: chosen.map { served.movieIDs[Int($0.item)] } + person.wanted.map(\.movieID))
        return chosen.compactMap { recommendation in
            let reason = RecommendationReason.explaining(
                recommendation.reason, movieIDs: served.movieIDs, strongestKind: person.strongestKind, city: city,
                title: { movies[$0]?.title })
            return describe(recommendation.item, in: served, showing: showing, reason: reason, movies: movies)
        }
    }

    /// `movies` holds the movie (read from the catalog once per answer, not once per movie).
    func describe(_ item: Int32, in served: ServedModel, showing: [String: Int], reason: RecommendationReason,
                  movies: [String: Movie]) -> RecommendedMovie? {
        let movieID = served.movieIDs[Int(item)]
        guard let movie = movies[movieID] else { return nil }
        return RecommendedMovie(movie: MovieSummary(movie), reason: reason, showtimesSoon: showing[movieID] ?? 0)
    }

    /// The same for a person all day, different from day to day (FNV-1a of the id, mixed with the day).
    static func explorationSeed(userID: String?, day: Int64) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in (userID ?? "").utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash ^ UInt64(bitPattern: day) &* 0x9E37_79B9_7F4A_7C15
    }
}

extension Optional {
    func asyncMap<Result>(_ transform: (Wrapped) async throws -> Result) async rethrows -> Result? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
