import Foundation
import Recommendations
import Recommender
import Search
import Testing

@testable import Recommendations

/// The recommendations service's pure parts: reading a person's signals, which signals an app
/// may send, what is showing where, and the reasons' words.
@Suite("Recommendation rules")
struct RecommendationRulesTests {
    static func row(_ kind: SignalKind, _ movie: String?, at ms: Int64, rating: Int? = nil, query: String? = nil) -> SignalRow {
        SignalRow(id: "s\(ms)", userId: "u", kind: kind.rawValue, movieId: movie, city: nil, theatreId: nil, occurredAtMs: ms,
                  payload: String(decoding: try! JSONEncoder().encode(SignalDetails(rating: rating, query: query)), as: UTF8.self))
    }

    @Test func aPersonsSignalsKeepTheStrongestInterestPerMovieOldestFirst() {
        let person = PersonSignals([
            Self.row(.booking, "b", at: 5), Self.row(.detailView, "a", at: 1), Self.row(.detailView, "b", at: 2),
            Self.row(.rating, "c", at: 3, rating: 1), Self.row(.dismissal, "d", at: 4), Self.row(.impression, nil, at: 6),
            Self.row(.search, nil, at: 7, query: "Space ADVENTURE"), Self.row(.rating, "e", at: 8, rating: 5),
        ], weights: SignalWeights())
        #expect(person.wanted.map(\.movieID) == ["a", "b", "e"])
        #expect(person.wanted.map(\.weight) == [0.2, 1, 1])
        #expect(person.strongestKind == ["a": .detailView, "b": .booking, "e": .rating])
        #expect(person.excluded == ["a", "b", "c", "d", "e"])
        #expect(person.booked == ["b"])
        #expect(person.searchedWords == ["space", "adventure"])
    }

    @Test func onlyTheLatestSearchesCount() {
        let searches = (0..<8).map { Self.row(.search, nil, at: Int64($0), query: "word\($0)") }
        #expect(PersonSignals(searches, weights: SignalWeights()).searchedWords == (3..<8).map { "word\($0)" })
    }

    static let known: @Sendable (String) -> Bool = { $0 == "m1" || $0 == "m2" }

    @Test(arguments: [
        (SignalInput(kind: "booking", movieId: "m1"), "/s/kind"),
        (SignalInput(kind: "rating", movieId: "m1"), "/s/kind"),
        (SignalInput(kind: "teleport", movieId: "m1"), "/s/kind"),
        (SignalInput(kind: "detail_view"), "/s/movieId"),
        (SignalInput(kind: "dismissal", movieId: "m9"), "/s/movieId"),
        (SignalInput(kind: "impression", movieIds: ["m1", "m9"]), "/s/movieIds/1"),
        (SignalInput(kind: "impression", movieIds: Array(repeating: "m1", count: 51)), "/s/movieIds"),
        (SignalInput(kind: "search", query: String(repeating: "x", count: 201)), "/s/query"),
        (SignalInput(kind: "search", query: "ok", surface: String(repeating: "x", count: 33)), "/s/surface"),
        (SignalInput(kind: "detail_view", movieId: "m1", city: ""), "/s/city"),
    ])
    func appsMayReportOnlyWhatTheySawAndNameTheFieldThatIsWrong(input: SignalInput, field: String) {
        do throws(RecommendationError) {
            _ = try input.row(userID: "u", at: Date(), pointer: "/s", knownMovie: Self.known)
            Issue.record("\(input) was accepted")
        } catch {
            guard case .invalidField(let pointer, _) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(pointer == field)
        }
    }

    @Test func acceptedSignalsAreStoredWithTheirDetails() throws {
        let row = try SignalInput(kind: "search", query: "  drama  ", surface: "search", city: "Pune")
            .row(userID: "u", at: Date(timeIntervalSince1970: 10), pointer: "/s", knownMovie: Self.known)
        #expect(row.kind == "search" && row.movieId == nil && row.city == "Pune" && row.occurredAtMs == 10_000)
        #expect(row.details == SignalDetails(query: "drama", surface: "search"))
        let impression = try SignalInput(kind: "impression", movieIds: ["m1", "m2"])
            .row(userID: "u", at: Date(), pointer: "/s", knownMovie: Self.known)
        #expect(impression.details.movieIds == ["m1", "m2"] && impression.movieId == nil)
    }

    @Test func showingSoonCountsShowtimesWithinTheHorizonPerCity() {
        func showtime(_ city: String, _ startsAtMs: Int64) -> SearchShowtime {
            SearchShowtime(showtimeID: "s\(startsAtMs)", theatreID: "t", city: city, latitude: 0, longitude: 0, startsAtMs: startsAtMs,
                           localMinuteOfDay: 0, language: "English", format: "2D", lowestPriceMinor: 100)
        }
        let showing = ShowingSoon(documents: [
            SearchDocument(movieID: "a", title: "A", showtimes: [showtime("Pune", 10), showtime("Pune", 20), showtime("São Paulo", 30)]),
            SearchDocument(movieID: "b", title: "B", showtimes: [showtime("Pune", 5), showtime("Pune", 200)]),
            SearchDocument(movieID: "c", title: "C"),
        ], fromMs: 10, untilMs: 100)
        #expect(showing.movies(in: "pune") == ["a": 2])
        #expect(showing.movies(in: "Sao Paulo") == ["a": 1])
        #expect(showing.movies(in: nil) == ["a": 3])
        #expect(showing.movies(in: "Atlantis").isEmpty)
    }

    @Test func reasonsNameTheMovieAndHowThePersonShowedInterest() {
        let ids = ["x", "y"]
        func explain(_ reason: Recommendation.Reason, kind: SignalKind?) -> RecommendationReason {
            RecommendationReason.explaining(reason, movieIDs: ids, strongestKind: kind.map { ["y": $0] } ?? [:], city: "Pune",
                                            title: { $0 == "y" ? "Dune" : nil })
        }
        #expect(explain(.becauseYouWanted(item: 1), kind: .booking) == .init(code: .becauseYouBooked, text: "Because you booked Dune", movieId: "y"))
        #expect(explain(.becauseYouWanted(item: 1), kind: .rating).text == "Because you rated Dune")
        #expect(explain(.becauseYouWanted(item: 1), kind: .detailView).code == .becauseYouViewed)
        #expect(explain(.becauseYouWanted(item: 0), kind: nil).text == "Because you looked at a movie you chose")
        #expect(explain(.matchesYourTaste(trait: "Drama"), kind: nil).text == "For your taste in Drama")
        #expect(explain(.popularNearYou, kind: nil).text == "Popular in Pune lately")
        #expect(explain(.somethingDifferent, kind: nil).code == .somethingDifferent)
    }

    @Test func explorationIsTheSameAllDayAndDiffersByPersonAndDay() {
        let seed = RecommendationService.explorationSeed(userID: "u1", day: 100)
        #expect(RecommendationService.explorationSeed(userID: "u1", day: 100) == seed)
        #expect(RecommendationService.explorationSeed(userID: "u2", day: 100) != seed)
        #expect(RecommendationService.explorationSeed(userID: "u1", day: 101) != seed)
    }
}
