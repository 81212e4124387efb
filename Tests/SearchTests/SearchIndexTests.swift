import Foundation
import Search
import Testing

@Suite("Search index: words, typos, prefixes, filters, facets", .timeLimit(.minutes(1)))
struct SearchIndexTests {
    static let day: Int64 = 86_400_000

    static func showtime(_ id: String, city: String, theatre: String = "t1", at hour: Int, day: Int64 = 0,
                         language: String = "English", format: String = "2D", price: Int64 = 25_000,
                         latitude: Double = 18.52, longitude: Double = 73.85) -> SearchShowtime {
        SearchShowtime(showtimeID: id, theatreID: theatre, city: city, latitude: latitude, longitude: longitude,
                       startsAtMs: day * Self.day + Int64(hour) * 3_600_000, localMinuteOfDay: hour * 60,
                       language: language, format: format, lowestPriceMinor: price)
    }

    static let movies = SearchIndex(documents: [
        SearchDocument(movieID: "interstellar", title: "Interstellar", cast: ["Matthew McConaughey", "Anne Hathaway"],
                       genres: ["Sci-Fi", "Drama"], certification: "UA", releaseDay: 16_000, popularity: 900,
                       showtimes: [showtime("i1", city: "Pune", at: 19), showtime("i2", city: "Mumbai", at: 10, format: "IMAX",
                                                                                   latitude: 19.07, longitude: 72.87)]),
        SearchDocument(movieID: "amelie", title: "Amélie", originalTitle: "Le Fabuleux Destin d'Amélie Poulain",
                       cast: ["Audrey Tautou"], genres: ["Comedy", "Romance"], certification: "U", releaseDay: 11_400,
                       popularity: 300, showtimes: [showtime("a1", city: "Pune", at: 21, language: "French")]),
        SearchDocument(movieID: "inception", title: "Inception", cast: ["Leonardo DiCaprio"], genres: ["Sci-Fi", "Action"],
                       certification: "UA", releaseDay: 14_800, popularity: 800,
                       showtimes: [showtime("c1", city: "Mumbai", at: 22, day: 1, latitude: 19.07, longitude: 72.87)]),
        SearchDocument(movieID: "interview", title: "The Interview", genres: ["Comedy"], certification: "A", releaseDay: 16_100,
                       popularity: 5),
    ])

    static func ids(_ result: SearchResult) -> [String] { result.hits.map(\.movieID) }

    static func query(_ text: String, _ configure: (inout SearchQuery) -> Void = { _ in }) -> SearchQuery {
        var query = SearchQuery()
        query.text = text
        configure(&query)
        return query
    }

    @Test func aMistypedTitleIsFound() {
        #expect(Self.ids(Self.movies.search(Self.query("Intersteller "))) == ["interstellar"])
        #expect(Self.ids(Self.movies.search(Self.query("ixterxtelxar "))).isEmpty, "three edits are too many")
        #expect(Self.ids(Self.movies.search(Self.query("inceptoin "))) == ["inception"], "a transposition is one edit")
        // Short words must be exact: "the" is not "tha".
        #expect(Self.ids(Self.movies.search(Self.query("tha interview "))).isEmpty)
    }

    @Test func theLastWordMatchesAsAPrefix() {
        #expect(Set(Self.ids(Self.movies.search(Self.query("inte")))) == ["interstellar", "interview"])
        // A finished word (followed by a space) is not a prefix.
        #expect(Self.ids(Self.movies.search(Self.query("inte "))).isEmpty)
        #expect(Self.movies.suggestions(for: "amel") == ["Amélie"])
    }

    @Test func diacriticsAndCaseAreFolded() {
        #expect(Self.ids(Self.movies.search(Self.query("AMELIE"))) == ["amelie"])
        #expect(Self.ids(Self.movies.search(Self.query("fabuleux destin"))) == ["amelie"])
        #expect(Self.ids(Self.movies.search(Self.query("tautóu"))) == ["amelie"])
    }

    @Test func everyWordMustMatch() {
        #expect(Self.ids(Self.movies.search(Self.query("interstellar hathaway"))) == ["interstellar"])
        #expect(Self.ids(Self.movies.search(Self.query("interstellar tautou"))).isEmpty)
    }

    @Test func showtimeFiltersRequireOneShowtimePassingThemAll() {
        let evening = Self.query("") { $0.cities = ["pune"]; $0.localMinutes = 18 * 60...23 * 60 + 59 }
        #expect(Set(Self.ids(Self.movies.search(evening))) == ["interstellar", "amelie"])
        // Interstellar plays in IMAX only in Mumbai, in the morning: no single showtime passes.
        let imaxEvening = Self.query("") { $0.formats = ["imax"]; $0.localMinutes = 18 * 60...23 * 60 }
        #expect(Self.ids(Self.movies.search(imaxEvening)).isEmpty)
        let tomorrow = Self.query("") { $0.startsFromMs = Self.day; $0.startsBeforeMs = 2 * Self.day }
        #expect(Self.ids(Self.movies.search(tomorrow)) == ["inception"])
        let cheapFrench = Self.query("") { $0.languages = ["french"]; $0.lowestPriceAtMostMinor = 25_000 }
        #expect(Self.ids(Self.movies.search(cheapFrench)) == ["amelie"])
        let nearMumbai = Self.query("") { $0.near = .init(latitude: 19.0, longitude: 72.8, radiusKilometres: 20) }
        #expect(Set(Self.ids(Self.movies.search(nearMumbai))) == ["interstellar", "inception"])
        let hit = Self.movies.search(Self.query("interstellar") { $0.cities = ["Pune"] }).hits.first
        #expect(hit?.showtimes.map(\.showtimeID) == ["i1"], "only the showtimes that pass are returned")
    }

    @Test func movieFiltersAndFacetsCountOtherChoices() {
        let sciFi = Self.movies.search(Self.query("") { $0.genres = ["sci-fi"] })
        #expect(Set(Self.ids(sciFi)) == ["interstellar", "inception"])
        // The genre facet ignores the genre filter, so it shows what choosing Comedy would give.
        #expect(sciFi.facets[.genre]?["comedy"] == 2)
        #expect(sciFi.facets[.genre]?["sci-fi"] == 2)
        // Other facets count within the filtered set.
        #expect(sciFi.facets[.city] == ["pune": 1, "mumbai": 2])
        #expect(sciFi.facets[.format] == ["2d": 2, "imax": 1])
        let adults = Self.movies.search(Self.query("") { $0.certifications = ["A"] })
        #expect(Self.ids(adults) == ["interview"])
    }

    @Test func rankingBlendsRelevanceWithPopularityAndPagesDoNotOverlap() {
        // With no words: the popular, recent ones first.
        let all = Self.movies.search(SearchQuery())
        #expect(all.total == 4)
        #expect(Self.ids(all).first == "interstellar")
        var firstPage = SearchQuery()
        firstPage.limit = 2
        var secondPage = firstPage
        secondPage.offset = 2
        let pages = Self.ids(Self.movies.search(firstPage)) + Self.ids(Self.movies.search(secondPage))
        #expect(pages == Self.ids(all))
        // An exact title beats a prefix of a popular one.
        #expect(Self.ids(Self.movies.search(Self.query("interview"))).first == "interview")
    }

    @Test(arguments: [("kitten", "sitting", 3), ("flaw", "lawn", 2), ("ab", "ba", 1), ("", "abc", 3), ("same", "same", 0)])
    func editDistanceIsOptimalStringAlignment(a: String, b: String, expected: Int) {
        #expect(editDistance(Array(a), Array(b), limit: 5) == expected)
        #expect(editDistance(Array(a), Array(b), limit: expected - 1) == nil || expected == 0)
    }
}
