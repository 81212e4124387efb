import SQLKit
import BoxOfficeStorage
import Accounts
import BoxOfficeApp
import Catalog
import Foundation
import HummingbirdTesting
import Payments
import Reviews
import SeatTestSupport
import Synchronization
import Testing

@Suite("Ratings and reviews by people who saw the movie here, moderated by staff", .timeLimit(.minutes(3)))
struct ReviewTests {
    struct Page: Decodable {
        var rating: MovieRating?
        var reviews: [Review]
    }

    /// A person's export carries their orders and reviews; erasure takes the reviews (and
    /// their share of the movie's average) and keeps the orders under the anonymous id.
    @Test func exportCarriesOrdersAndReviewsAndErasureTakesTheReviews() async throws {
        try await Self.withMovableClock { client, components, moveClock in
            let steps = BookingSteps(client: client, components: components)
            let (showtime, _) = try await SeatMapTests.scheduleShowtime(client, components)
            let (asha, ashaID) = try await steps.customer("asha@example.com")
            let (ravi, _) = try await steps.customer("ravi.kumar@example.com")
            var bookingCode: String?
            for (token, seat) in [(asha, "B1"), (ravi, "C1")] {
                let order = try await steps.held(showtime, seats: [seat], token: token)
                let paid = try await steps.pay(order, card: SandboxCard.success.rawValue, token: token)
                #expect(paid.status == .ok)
                if token == asha { bookingCode = (try paid.json() as BookingSteps.Order).bookingCode }
            }
            moveClock(2 * 86_400)
            let reviewPath = "/api/v1/movies/\(showtime.movieId)/review"
            #expect(try await client.request(.put, reviewPath, token: asha, json: #"{"rating":4,"body":"A tense ride."}"#).status == .created)
            #expect(try await client.request(.put, reviewPath, token: ravi, json: #"{"rating":2,"body":"Too long."}"#).status == .created)

            let export: AccountService.AccountExport = try await client.request(.get, "/api/v1/me/export", token: asha).json()
            guard case .array(let orders)? = export.otherRecords["orders"], case .object(let order)? = orders.first,
                  case .array(let reviews)? = export.otherRecords["reviews"], case .object(let review)? = reviews.first
            else {
                Issue.record("the export lacks orders or reviews: \(export.otherRecords.keys.sorted())")
                return
            }
            #expect(orders.count == 1 && order["seats"] == .array([.string("B1")]) && order["state"] == .string("confirmed"))
            #expect(bookingCode != nil && order["bookingCode"] == bookingCode.map(JSONValue.string))
            #expect(reviews.count == 1 && review["body"] == .string("A tense ride.") && review["rating"] == .number(4))

            let erased = try await client.request(.delete, "/api/v1/me", token: asha, json: #"{"password":"\#(AccountSteps.password)"}"#)
            #expect(erased.status == .noContent)
            let page: Page = try await client.request(.get, "/api/v1/movies/\(showtime.movieId)/reviews").json()
            #expect(page.rating == MovieRating(average: 2, count: 1) && page.reviews.map(\.body) == ["Too long."])
            let kept = try await components.database.withSession { session in
                try await session.select().column("booking_code").from("orders").where("owner_id", .equal, ashaID).all()
                    .map { try $0.decode(column: "booking_code", as: String?.self) }
            }
            #expect(kept == [bookingCode])
        }
    }

    /// A box office beside a real seatd, on a clock the test moves forward (`moveClock(seconds)`)
    /// to put a showtime in the past once its seats are bought.
    static func withMovableClock(
        _ body: @Sendable (any TestClientProtocol, BoxOfficeComponents, @Sendable (TimeInterval) -> Void) async throws -> Void
    ) async throws {
        let clockOffset = Mutex<TimeInterval>(0)
        try await Harness.withAppAndSeatd(.sqlite, configure: { configuration in
            configuration.accounts.now = { Date().addingTimeInterval(clockOffset.withLock { $0 }) }
            configuration.catalogResponseCache = false
        }) { client, components, _ in
            try await body(client, components, { offset in clockOffset.withLock { $0 = offset } })
        }
    }

    @Test func onlyViewersReviewOnceEachAndTheAverageFollowsEdits() async throws {
        try await Self.withMovableClock { client, components, moveClock in
            let steps = BookingSteps(client: client, components: components)
            let (showtime, adminToken) = try await SeatMapTests.scheduleShowtime(client, components)
            let (asha, _) = try await steps.customer("asha@example.com")
            let (ravi, _) = try await steps.customer("ravi.kumar@example.com")
            let (never, _) = try await steps.customer("never@example.com")
            for (token, seat) in [(asha, "B1"), (ravi, "C1")] {
                let order = try await steps.held(showtime, seats: [seat], token: token)
                #expect(try await steps.pay(order, card: SandboxCard.success.rawValue, token: token).status == .ok)
            }
            let reviewPath = "/api/v1/movies/\(showtime.movieId)/review"
            func write(_ token: String, _ json: String) async throws -> TestResponse {
                try await client.request(.put, reviewPath, token: token, json: json)
            }

            // Booked but not yet seen; never booked: neither may review.
            let early = try await write(asha, #"{"rating":4,"body":"Can't wait"}"#)
            #expect(try early.status == .forbidden && (early.problem().code) == "review_needs_booking")
            moveClock(2 * 86_400)
            #expect(try await write(never, #"{"rating":1,"body":"Never saw it"}"#).status == .forbidden)

            // Written, then changed: one review, its latest rating counted.
            let first = try await write(asha, #"{"rating":4,"title":"  Gripping  ","body":"A tense ride."}"#)
            #expect(first.status == .created, "\(first.text)")
            let written: Review = try first.json()
            #expect(written.title == "Gripping" && written.authorName == "Test")
            #expect(try await write(asha, #"{"rating":2,"body":"Less good the second time I thought about it."}"#).status == .ok)
            #expect(try await write(ravi, #"{"rating":5,"body":"Loved it"}"#).status == .created)
            var page: Page = try await client.request(.get, "/api/v1/movies/\(showtime.movieId)/reviews").json()
            #expect(page.rating == MovieRating(average: 3.5, count: 2) && page.reviews.count == 2)
            let details: CatalogAPI.MovieDetails = try await client.request(.get, "/api/v1/movies/\(showtime.movieId)").json()
            #expect(details.rating == MovieRating(average: 3.5, count: 2))

            // Staff hide one: it leaves the page and the average; its author sees why.
            for (body, field) in [(#"{"rating":6,"body":"x"}"#, "/rating"), (#"{"rating":3,"body":"   "}"#, "/body")] {
                let invalid = try await write(asha, body)
                #expect(try invalid.status == .unprocessableContent && invalid.problem().errors?.map(\.field) == [field])
            }
            let hidden = try await client.request(.post, "/api/v1/admin/reviews/\(written.id)/moderation", token: adminToken,
                                                  json: #"{"status":"hidden","reason":"Spoilers"}"#)
            #expect(hidden.status == .ok, "\(hidden.text)")
            page = try await client.request(.get, "/api/v1/movies/\(showtime.movieId)/reviews").json()
            #expect(page.rating == MovieRating(average: 5, count: 1) && page.reviews.map(\.authorName) == ["Test"])
            let own: Review = try await client.request(.get, reviewPath, token: asha).json()
            #expect(own.status == .hidden && own.moderationReason == "Spoilers")
            let queue = try await client.request(.get, "/api/v1/admin/reviews?status=hidden", token: adminToken)
            #expect(queue.text.contains(written.id))
            #expect(try await client.request(.get, "/api/v1/admin/reviews", token: ravi).status == .forbidden)
            #expect(try await client.request(.post, "/api/v1/admin/reviews/\(written.id)/moderation", token: ravi,
                                             json: #"{"status":"published"}"#).status == .forbidden)

            // Rewritten without spoilers, it is published again; deleted, it is gone from the average.
            #expect(try await write(asha, #"{"rating":3,"body":"Tense, and no spoilers now."}"#).status == .ok)
            page = try await client.request(.get, "/api/v1/movies/\(showtime.movieId)/reviews").json()
            #expect(page.rating == MovieRating(average: 4, count: 2))
            #expect(try await client.request(.delete, reviewPath, token: ravi).status == .noContent)
            #expect(try await client.request(.delete, reviewPath, token: ravi).status == .notFound)
            page = try await client.request(.get, "/api/v1/movies/\(showtime.movieId)/reviews").json()
            #expect(page.rating == MovieRating(average: 3, count: 1))
            #expect(try await client.request(.get, "/api/v1/movies/\(UUID().uuidString.lowercased())/reviews").status == .notFound)
        }
    }
}
