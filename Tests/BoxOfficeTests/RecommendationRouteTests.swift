import Accounts
import BoxOfficeApp
import BoxOfficeSamples
import BoxOfficeStorage
import Catalog
import Foundation
import HummingbirdTesting
import Logging
import Payments
import Recommendations
import SQLKit
import SeatTestSupport
import Testing

@Suite("Recommendations over HTTP, on the sample catalog", .timeLimit(.minutes(4)))
struct RecommendationRouteTests {
    struct List: Decodable {
        var recommendations: [RecommendedMovie]
    }

    struct BookedLists: Decodable {
        var lists: [BecauseYouBooked]
    }

    /// Movies with a showtime in `city` within the next fourteen days, from the public search.
    static func showing(in city: String, _ client: any TestClientProtocol) async throws -> Set<String> {
        let found: CatalogAPI.SearchResponse = try await client.request(.get, "/api/v1/search?city=\(city)&limit=100").json()
        return Set(found.hits.map(\.movie.id))
    }

    static func view(_ movieIDs: [String], token: String, _ client: any TestClientProtocol) async throws {
        let signals = movieIDs.map { #"{"kind":"detail_view","movieId":"\#($0)","city":"Pune"}"# }.joined(separator: ",")
        let response = try await client.request(.post, "/api/v1/recommendations/signals", token: token,
                                                json: #"{"signals":[\#(signals)]}"#)
        #expect(response.status == .noContent, "\(response.text)")
    }

    @Test(arguments: TestEngine.allCases)
    func signalsTeachTheModelAndEveryAnswerIsExplainedAndShowingNearby(engine: TestEngine) async throws {
        try await Harness.withAppAndSeatd(engine) { client, components, _ in
            _ = try await SampleCatalog.load(into: components.catalog, today: Date())
            let steps = BookingSteps(client: client, components: components)
            let admin = try await AccountSteps(client: client, components: components).newAdmin()
            let inPune = try await Self.showing(in: "Pune", client)
            let movies = inPune.sorted()
            #expect(movies.count >= 6)
            let (first, second, third) = (movies[0], movies[1], movies[2])

            // Eight people look at the first two movies together; one more person at the first only.
            for index in 0..<8 {
                let (token, _) = try await steps.customer("viewer\(index)@example.com")
                try await Self.view([first, second, movies[3 + index % 3]], token: token, client)
            }
            let (asha, ashaID) = try await steps.customer("asha@example.com")
            try await Self.view([first], token: asha, client)
            let rebuilt = try await client.request(.post, "/api/v1/admin/recommendations/model/rebuild", token: admin.accessToken)
            #expect(rebuilt.status == .ok, "\(rebuilt.text)")
            let status: RecommendationService.ModelStatus = try rebuilt.json()
            #expect(status.signals == 25 && status.people == 9)
            #expect(try await client.request(.post, "/api/v1/admin/recommendations/model/rebuild", token: asha).status == .forbidden)

            // Asha's list: showing in Pune, not what she looked at, the co-viewed movie first,
            // each with a reason; one impression recorded.
            var list: List = try await client.request(.get, "/api/v1/recommendations?city=Pune&limit=5", token: asha).json()
            #expect(list.recommendations.count == 5)
            #expect(list.recommendations.allSatisfy { inPune.contains($0.movie.id) && $0.showtimesSoon > 0 })
            #expect(list.recommendations.first?.movie.id == second, "\(list.recommendations.map(\.reason))")
            #expect(list.recommendations.first?.reason.code == .becauseYouViewed)
            #expect(list.recommendations.first?.reason.movieId == first)
            #expect(list.recommendations.allSatisfy { !$0.reason.text.isEmpty })
            #expect(list.recommendations.last?.reason.code == .somethingDifferent)

            // "Not interested" changes the very next answer, without a rebuild; taken back, it returns.
            #expect(try await client.request(.put, "/api/v1/recommendations/dismissals/\(second)", token: asha).status == .noContent)
            list = try await client.request(.get, "/api/v1/recommendations?city=Pune&limit=5", token: asha).json()
            #expect(!list.recommendations.contains { $0.movie.id == second })
            #expect(try await client.request(.delete, "/api/v1/recommendations/dismissals/\(second)", token: asha).status == .noContent)
            list = try await client.request(.get, "/api/v1/recommendations?city=Pune&limit=5", token: asha).json()
            #expect(list.recommendations.first?.movie.id == second)

            // Anyone: what is popular in the city; a city with no cinema: nothing.
            let anonymous: List = try await client.request(.get, "/api/v1/recommendations?city=pune&limit=3").json()
            #expect(anonymous.recommendations.count == 3)
            #expect(anonymous.recommendations.allSatisfy { inPune.contains($0.movie.id) })
            #expect(anonymous.recommendations.first?.reason.code == .popularNearYou)
            #expect(anonymous.recommendations.first?.reason.text == "Popular in pune lately")
            let nowhere: List = try await client.request(.get, "/api/v1/recommendations?city=Atlantis").json()
            #expect(nowhere.recommendations.isEmpty)

            // People who looked at the first movie also looked at the second.
            let also: List = try await client.request(.get, "/api/v1/movies/\(first)/also-booked?city=Pune").json()
            #expect(also.recommendations.first?.movie.id == second)
            #expect(also.recommendations.first?.reason.code == .alsoBooked)
            #expect(also.recommendations.allSatisfy { $0.movie.id != first && inPune.contains($0.movie.id) })

            // Refused batches change nothing and say which field is wrong.
            let signalsBefore = try await Self.signalCount(of: ashaID, components.database)
            for (body, field) in [
                (#"{"signals":[{"kind":"booking","movieId":"\#(third)"}]}"#, "/signals/0/kind"),
                (#"{"signals":[{"kind":"detail_view","movieId":"\#(third)"},{"kind":"detail_view","movieId":"00000000-0000-4000-8000-000000000000"}]}"#, "/signals/1/movieId"),
                (#"{"signals":[{"kind":"search","query":"   "}]}"#, "/signals/0/query"),
                (#"{"signals":[{"kind":"impression","movieIds":[]}]}"#, "/signals/0/movieIds"),
                (#"{"signals":[]}"#, "/signals"),
                (#"{"signals":[\#(Array(repeating: #"{"kind":"detail_view","movieId":"\#(third)"}"#, count: 51).joined(separator: ","))]}"#, "/signals"),
            ] {
                let refused = try await client.request(.post, "/api/v1/recommendations/signals", token: asha, json: body)
                #expect(refused.status == .unprocessableContent, "\(body): \(refused.text)")
                #expect(try refused.problem().errors?.map(\.field) == [field], "\(refused.text)")
            }
            #expect(try await client.request(.post, "/api/v1/recommendations/signals", token: asha, json: #"{"signals":["#).status == .badRequest)
            #expect(try await client.request(.post, "/api/v1/recommendations/signals", json: #"{"signals":[]}"#).status == .unauthorized)
            #expect(try await client.request(.get, "/api/v1/recommendations?limit=0").status == .unprocessableContent)
            #expect(try await client.request(.get, "/api/v1/movies/not-a-movie/also-booked").status == .notFound)
            #expect(try await client.request(.put, "/api/v1/recommendations/dismissals/00000000-0000-4000-8000-000000000000",
                                             token: asha).status == .notFound)
            #expect(try await Self.signalCount(of: ashaID, components.database) == signalsBefore)

            // Her signals are in her export, and go with her account.
            let export: AccountService.AccountExport = try await client.request(.get, "/api/v1/me/export", token: asha).json()
            guard case .array(let exported)? = export.otherRecords["recommendationSignals"] else {
                Issue.record("no signals in the export")
                return
            }
            #expect(exported.count == signalsBefore)
            let erased = try await client.request(.delete, "/api/v1/me", token: asha, json: #"{"password":"\#(AccountSteps.password)"}"#)
            #expect(erased.status == .noContent)
            #expect(try await Self.signalCount(of: ashaID, components.database) == 0)
            #expect(try await Self.signalCount(of: nil, components.database) > 0)
        }
    }

    static func signalCount(of userID: String?, _ database: Database) async throws -> Int {
        try await database.withSession { session in
            var query = session.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("recommendation_signals")
            if let userID { query = query.where("user_id", .equal, userID) }
            return try await query.first()!.decode(column: "n", as: Int.self)
        }
    }

    @Test func aBookingIsLearntFromAndFollowedBySuggestions() async throws {
        try await Harness.withAppAndSeatd(.sqlite) { client, components, _ in
            _ = try await SampleCatalog.load(into: components.catalog, today: Date())
            let steps = BookingSteps(client: client, components: components)
            // A movie shown in Pune in two formats: the featured film, IMAX in the evenings on the big screen.
            let pune = Set(try await components.catalog.theatres(in: "Pune").map(\.id))
            var chosen: (movie: Movie, showtimes: [Showtime])?
            for movieID in try await Self.showing(in: "Pune", client) where chosen == nil {
                let (movie, showtimes, _) = try await components.catalog.movie(id: movieID)
                let here = showtimes.filter { pune.contains($0.theatreId) }
                if Set(here.map(\.format)).count > 1 { chosen = (movie, here) }
            }
            let (movie, showtimes) = try #require(chosen)
            let interstellar = movie.id
            let twoD = try #require(showtimes.first { $0.format != "IMAX" })

            let (ravi, raviID) = try await steps.customer("ravi@example.com")
            let order = try await steps.held(twoD, seats: ["B1"], token: ravi)
            #expect(try await steps.pay(order, card: SandboxCard.success.rawValue, token: ravi).status == .ok)
            let signals = try await components.database.withSession { session in
                try await session.select().columns("kind", "movie_id", "theatre_id").from("recommendation_signals")
                    .where("user_id", .equal, raviID).orderBy("occurred_at_ms").all()
                    .map { (try $0.decode(column: "kind", as: String.self), try $0.decode(column: "theatre_id", as: String?.self)) }
            }
            #expect(signals.map(\.0) == ["hold", "booking"])
            #expect(signals.allSatisfy { $0.1 == twoD.theatreId })

            // Others who booked Interstellar looked at another movie: Ravi is told so, and the
            // booked movie itself is never offered back.
            let other = try #require(try await Self.showing(in: "Pune", client).first { $0 != interstellar })
            for index in 0..<4 {
                let (token, _) = try await steps.customer("fan\(index)@example.com")
                try await Self.view([interstellar, other], token: token, client)
            }
            try await components.recommendations.rebuild()
            let lists: BookedLists = try await client.request(.get, "/api/v1/recommendations/because-you-booked?city=Pune", token: ravi).json()
            #expect(lists.lists.map(\.booked.id) == [interstellar])
            #expect(lists.lists.first?.recommendations.first?.movie.id == other)
            #expect(lists.lists.first?.recommendations.first?.reason.text == "Because you booked \(movie.title)")
            let mine: List = try await client.request(.get, "/api/v1/recommendations?city=Pune&limit=30", token: ravi).json()
            #expect(!mine.recommendations.contains { $0.movie.id == interstellar })

            // After the booking: the movie in IMAX nearby, and other movies at that theatre.
            let suggestions = try await client.request(.get, "/api/v1/orders/\(order.id)/suggestions", token: ravi)
            #expect(suggestions.status == .ok, "\(suggestions.text)")
            let after: AfterBooking = try suggestions.json()
            #expect(!after.sameMovieOtherwise.isEmpty)
            #expect(after.sameMovieOtherwise.allSatisfy { $0.format == "IMAX" && pune.contains($0.theatreId) })
            #expect(!after.alsoShowingHere.isEmpty)
            #expect(after.alsoShowingHere.allSatisfy { $0.movie.id != interstellar })
            let (stranger, _) = try await steps.customer("stranger@example.com")
            #expect(try await client.request(.get, "/api/v1/orders/\(order.id)/suggestions", token: stranger).status == .notFound)
        }
    }

    @Test func pagesAreAnsweredWithoutTheFirstModelAndARebuildSeesWhatWasWrittenBeforeIt() async throws {
        try await Harness.withApp(.sqlite) { client, components in
            let admin = try await AccountSteps(client: client, components: components).newAdmin()
            let movie: Movie = try await client.request(.post, "/api/v1/admin/movies", token: admin.accessToken, json: CatalogTests.movie).json()
            let service = components.recommendations
            #expect(try await Self.eventually { service.status.builtAt != nil }, "the first model, begun as the server started")

            // A service with no model yet: a page's answer comes at once, without recommendations,
            // and begins the build; the JSON API's answer waits for it.
            func modelless() -> RecommendationService {
                RecommendationService(database: components.database, catalog: components.catalog, archive: RecommendationSignalsArchive(),
                                      tastes: { _ in DeclaredTastes() }, logger: Logger(label: "test"))
            }
            let forPages = modelless()
            await #expect(throws: RecommendationModelNotBuiltYet()) {
                try await forPages.forYou(userID: nil, city: nil, limit: 5, whileFirstBuilds: .answerWithout)
            }
            #expect(try await Self.eventually { forPages.status.builtAt != nil }, "the build the page began")
            let forTheAPI = modelless()
            _ = try await forTheAPI.forYou(userID: nil, city: nil, limit: 5, whileFirstBuilds: .wait)
            #expect(forTheAPI.status.builtAt != nil)

            // A rebuild called while an older build runs waits for it and builds again, so it
            // learns from what was written before the call.
            for round in 1...5 {
                service.beginBuilding()
                try await components.database.transaction { session in
                    try await service.record(PersonActivity(userID: "viewer\(round)", kind: .booking, movieID: movie.id, at: Date()), on: session)
                }
                try await service.rebuild()
                #expect(service.status.signals == round)
            }
        }
    }

    /// Polls `condition` every 100 ms for up to ten seconds.
    static func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
        for _ in 0..<100 {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    @Test func theModelIsRebuiltOnNewSignalsAndErasuresAndOldSignalsExpire() async throws {
        try await Harness.withApp(.sqlite, configure: { configuration in
            configuration.recommendations.checkIntervalSeconds = 1
            configuration.recommendations.rebuildAfterSignals = 3
            configuration.recommendations.retentionDays = 30
            configuration.recommendations.rebuildSignalsMax = 4
        }) { client, components in
            let accounts = AccountSteps(client: client, components: components)
            let admin = try await accounts.newAdmin()
            var movies: [String] = []
            for _ in 0..<3 {
                let movie: Movie = try await client.request(.post, "/api/v1/admin/movies", token: admin.accessToken, json: CatalogTests.movie).json()
                movies.append(movie.id)
            }
            let service = components.recommendations
            #expect(try await Self.eventually { service.status.builtAt != nil }, "the first build")
            #expect(service.status.signals == 0)

            // Three new signals: the rebuilder's next check rebuilds.
            let viewer = try await accounts.newCustomer("viewer@example.com")
            try await Self.view(movies, token: viewer.accessToken, client)
            #expect(try await Self.eventually { service.status.signals == 3 }, "rebuilt after three signals")

            // An erased person leaves the model at the next check, though no new signal came.
            #expect(try await client.request(.delete, "/api/v1/me", token: viewer.accessToken,
                                             json: #"{"password":"\#(AccountSteps.password)"}"#).status == .noContent)
            #expect(try await Self.eventually { service.status.people == 0 }, "rebuilt after the erasure")

            // A signal older than the retention window is neither learnt from nor kept; a booking
            // counts in its theatre's city.
            try await client.request(.post, "/api/v1/admin/theatres", token: admin.accessToken, json: CatalogTests.theatre)
            let old = Date().addingTimeInterval(-31 * 86_400)
            let (oldMovie, newMovie) = (movies[0], movies[1])
            try await components.database.transaction { session in
                try await service.record(PersonActivity(userID: "someone", kind: .booking, movieID: oldMovie, at: old), on: session)
                try await service.record(PersonActivity(userID: "someone", kind: .booking, movieID: newMovie, theatreID: "pvr-pune",
                                                        at: Date()), on: session)
            }
            try await service.rebuild()
            #expect(service.status.signals == 1)
            #expect(service.status.cities == 1)
            try await service.sweepExpiredSignals()
            #expect(try await Self.signalCount(of: "someone", components.database) == 1)

            // A rebuild reads the newest `rebuildSignalsMax` (four) signals, no more.
            let anotherMovie = movies[2]
            try await components.database.transaction { session in
                for (index, movie) in [oldMovie, newMovie, anotherMovie, oldMovie, newMovie].enumerated() {
                    try await service.record(PersonActivity(userID: "reader\(index)", kind: .booking, movieID: movie,
                                                            at: Date().addingTimeInterval(Double(index))), on: session)
                }
            }
            try await service.rebuild()
            #expect(service.status.signals == 4)
            #expect(service.status.people == 4)
        }
    }
}
