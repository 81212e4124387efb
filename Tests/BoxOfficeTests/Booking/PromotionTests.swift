@testable import Booking
import BoxOfficeApp
import Foundation
import HummingbirdTesting
import Payments
import SeatTestSupport
import Testing

@Suite("Promo codes and offers: discounts, scopes, validity, and usage limits kept under contention", .timeLimit(.minutes(3)))
struct PromotionTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let seats = [OrderSeat(index: 0, label: "A1", category: "standard", priceMinor: 25_000),
                        OrderSeat(index: 1, label: "A2", category: "premium", priceMinor: 40_000)]
    static let price = PriceBreakdown(seats: seats, currency: "INR", rules: PricingRules(bookingFeeBasisPoints: 200))

    static func promotion(_ kind: Promotion.Kind, _ value: Int64, scope: Promotion.Scope = .everything, scopeID: String? = nil,
                          currency: String? = nil) -> Promotion {
        Promotion(id: "p", code: "SAVE", description: "d", kind: kind, value: value, currency: currency, scope: scope, scopeID: scopeID,
                  validFrom: now.addingTimeInterval(-60), validUntil: now.addingTimeInterval(60), usesMax: nil,
                  usesPerPersonMax: nil, isActive: true)
    }

    static func target(firstBooking: Bool = false, at date: Date = now) -> Promotion.Target {
        Promotion.Target(movieID: "m", theatreID: "t", showtimeID: "s", isFirstBooking: firstBooking, price: price, now: date)
    }

    @Test func discountsFollowKindScopeAndValidity() {
        #expect(Self.promotion(.percentage, 1_500).discount(for: Self.target()) == .success(9_750))
        #expect(Self.promotion(.fixed, 10_000, currency: "INR").discount(for: Self.target()) == .success(10_000))
        #expect(Self.promotion(.fixed, 90_000, currency: "INR").discount(for: Self.target()) == .success(65_000))
        #expect(Self.promotion(.fixed, 100, currency: "EUR").discount(for: Self.target())
            == .failure(.notForThis("it is in EUR, this order in INR")))
        #expect(Self.promotion(.percentage, 1_000, scope: .movie, scopeID: "m").discount(for: Self.target()) == .success(6_500))
        #expect(Self.promotion(.percentage, 1_000, scope: .theatre, scopeID: "other").discount(for: Self.target())
            == .failure(.notForThis("it is for another theatre")))
        #expect(Self.promotion(.percentage, 1_000, scope: .firstBooking).discount(for: Self.target())
            == .failure(.notForThis("it is for a first booking")))
        #expect(Self.promotion(.percentage, 1_000, scope: .firstBooking).discount(for: Self.target(firstBooking: true)) == .success(6_500))
        #expect(Self.promotion(.percentage, 1_000).discount(for: Self.target(at: Self.now.addingTimeInterval(60))) == .failure(.expired))
        var withdrawn = Self.promotion(.percentage, 1_000)
        withdrawn.isActive = false
        #expect(withdrawn.discount(for: Self.target()) == .failure(.inactive))
    }

    @Test func aDiscountComesOffTheSeatsNotTheFee() {
        let discounted = Self.price.discounted(by: ("SAVE", 9_750))
        #expect(discounted.subtotalMinor == 65_000 && discounted.bookingFeeMinor == 1_300)
        #expect(discounted.totalMinor == 65_000 - 9_750 + 1_300 && discounted.discountCode == "SAVE")
        #expect(Self.price.discounted(by: ("ALL", 1_000_000)).totalMinor == 1_300)
        #expect(discounted.discounted(by: nil) == Self.price)
    }

    /// Offers are weighed by the discount they give this order; codes are never offers.
    @Test func theLargestFittingOfferComesFirst() {
        func offer(_ id: String, _ kind: Promotion.Kind, _ value: Int64, scope: Promotion.Scope = .everything, scopeID: String? = nil,
                   currency: String? = nil, code: String? = nil, endsIn seconds: Double = 60) -> Promotion {
            var promotion = Self.promotion(kind, value, scope: scope, scopeID: scopeID, currency: currency)
            promotion.id = id
            promotion.code = code
            promotion.validUntil = Self.now.addingTimeInterval(seconds)
            return promotion
        }
        let offers = [
            offer("tenth", .percentage, 1_000),
            offer("flat", .fixed, 20_000, scope: .theatre, scopeID: "t", currency: "INR"),
            offer("elsewhere", .percentage, 3_000, scope: .theatre, scopeID: "other"),
            offer("coded", .percentage, 5_000, code: "HALF"),
            offer("welcome", .percentage, 5_000, scope: .firstBooking),
            offer("tenth-sooner", .percentage, 1_000, endsIn: 30),
        ]
        let ranked = Promotion.offersRanked(offers, for: Self.target())
        #expect(ranked.map(\.offer.id) == ["flat", "tenth-sooner", "tenth"])
        #expect(ranked.map(\.discountMinor) == [20_000, 6_500, 6_500])
        #expect(Promotion.offersRanked(offers, for: Self.target(firstBooking: true)).first?.offer.id == "welcome")
        #expect(Promotion.offersRanked([], for: Self.target()).isEmpty)
    }

    /// An order as the API answers it, with its discount.
    struct Discounted: Decodable {
        struct Price: Decodable {
            var subtotalMinor: Int64
            var discountMinor: Int64
            var discountCode: String?
        }
        var id: String
        var price: Price
    }

    /// Offers apply by themselves when the seats are held: the best one whose limit allows, and
    /// a limited one never beyond its limit however many customers race for it. A code replaces
    /// the offer; taking the code off brings the best offer back; an order given up gives its use back.
    @Test(arguments: TestEngine.allCases)
    func offersApplyByThemselvesWithinTheirLimits(engine: TestEngine) async throws {
        try await Harness.withAppAndSeatd(engine) { client, components, _ in
            let steps = BookingSteps(client: client, components: components)
            let (showtime, adminToken) = try await SeatMapTests.scheduleShowtime(client, components)
            let opening = try await Self.create(client, adminToken,
                                                #"{"description":"Opening week","kind":"percentage","value":2000,"scope":"theatre","scopeId":"pvr-pune",\#(Self.window),"usesMax":5}"#)
            _ = try await Self.create(client, adminToken,
                                      #"{"description":"Everyone","kind":"percentage","value":500,"scope":"everything",\#(Self.window)}"#)
            _ = try await Self.create(client, adminToken,
                                      #"{"code":"FLAT","description":"Ten off","kind":"fixed","value":1000,"currency":"INR","scope":"everything",\#(Self.window)}"#)
            let racers = 12
            var customers: [String] = []
            for index in 0..<racers { customers.append(try await steps.customer("offer\(index)@example.com").token) }
            let orders = try await withThrowingTaskGroup(of: (token: String, order: Discounted).self) { group in
                for token in customers {
                    group.addTask {
                        let response = try await client.request(.post, "/api/v1/showtimes/\(showtime.id)/orders", token: token,
                                                                json: #"{"bestAvailable":{"count":1}}"#)
                        #expect(response.status == .created, "\(response.text)")
                        return (token, try response.json(Discounted.self))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let labels = orders.map { $0.order.price.discountCode ?? "none" }
            #expect(labels.filter { $0 == "Opening week" }.count == 5 && labels.filter { $0 == "Everyone" }.count == racers - 5, "\(labels)")
            // A fifth off, or a twentieth, of whichever seat was best available.
            for (_, order) in orders {
                let basisPoints: Int64 = order.price.discountCode == "Opening week" ? 2_000 : 500
                #expect(order.price.discountMinor == (order.price.subtotalMinor * basisPoints + 5_000) / 10_000, "\(order.price)")
            }
            func uses() async throws -> Int64? {
                let list: BookingAPI.PromotionList = try await client.request(.get, "/api/v1/admin/promotions", token: adminToken).json()
                return list.promotions.first { $0.id == opening.id }?.uses
            }
            #expect(try await uses() == 5)

            // A code replaces the offer and gives its use back; taken off, the best offer returns.
            let lucky = try #require(orders.first { $0.order.price.discountCode == "Opening week" })
            let coded: Discounted = try await client.request(.put, "/api/v1/orders/\(lucky.order.id)/promotion", token: lucky.token,
                                                             json: #"{"code":"FLAT"}"#).json()
            #expect(coded.price.discountCode == "FLAT" && coded.price.discountMinor == 1_000)
            #expect(try await uses() == 4)
            let uncoded: Discounted = try await client.request(.delete, "/api/v1/orders/\(lucky.order.id)/promotion", token: lucky.token).json()
            #expect(uncoded.price.discountCode == "Opening week")
            #expect(try await uses() == 5)

            // Given up, its use comes back for the next order.
            #expect(try await client.request(.post, "/api/v1/orders/\(lucky.order.id)/release", token: lucky.token).status == .ok)
            #expect(try await uses() == 4)
            let next: Discounted = try await client.request(.post, "/api/v1/showtimes/\(showtime.id)/orders", token: customers[0],
                                                            json: #"{"bestAvailable":{"count":1}}"#).json()
            #expect(next.price.discountCode == "Opening week")
            #expect(try await uses() == 5)
        }
    }

    /// The offers are read once a second at most (``OfferCache``), but an offer created or
    /// withdrawn through this instance counts from the next order on.
    @Test func anOfferCreatedOrWithdrawnHereCountsFromTheNextOrder() async throws {
        try await Harness.withAppAndSeatd(.sqlite) { client, components, _ in
            let steps = BookingSteps(client: client, components: components)
            let (showtime, adminToken) = try await SeatMapTests.scheduleShowtime(client, components)
            let (token, _) = try await steps.customer("asha@example.com")
            func hold() async throws -> Discounted {
                try await client.request(.post, "/api/v1/showtimes/\(showtime.id)/orders", token: token,
                                         json: #"{"bestAvailable":{"count":1}}"#).json()
            }
            #expect(try await hold().price.discountCode == nil, "no offers yet (and that is read)")
            let offer = try await Self.create(client, adminToken,
                                              #"{"description":"Everyone","kind":"percentage","value":500,"scope":"everything",\#(Self.window)}"#)
            #expect(try await hold().price.discountCode == "Everyone")
            #expect(try await client.request(.post, "/api/v1/admin/promotions/\(offer.id)/deactivate", token: adminToken).status == .ok)
            #expect(try await hold().price.discountCode == nil)
        }
    }

    static func create(_ client: any TestClientProtocol, _ adminToken: String, _ json: String) async throws -> BookingAPI.PromotionView {
        let response = try await client.request(.post, "/api/v1/admin/promotions", token: adminToken, json: json)
        #expect(response.status == .created, "\(response.text)")
        return try response.json()
    }

    static let window = #""validFrom":"2020-01-01T00:00:00Z","validUntil":"2099-01-01T00:00:00Z""#

    @Test(arguments: TestEngine.allCases)
    func aLimitedCodeIsNeverOverUsedByCustomersRacingForIt(engine: TestEngine) async throws {
        try await Harness.withAppAndSeatd(engine) { client, components, _ in
            let steps = BookingSteps(client: client, components: components)
            let (showtime, adminToken) = try await SeatMapTests.scheduleShowtime(client, components)
            _ = try await Self.create(client, adminToken,
                                      #"{"code":"first5","description":"Five only","kind":"percentage","value":2000,"scope":"everything",\#(Self.window),"usesMax":5}"#)
            let racers = 16
            var orders: [(token: String, orderID: String)] = []
            for index in 0..<racers {
                let (token, _) = try await steps.customer("racer\(index)@example.com")
                let response = try await client.request(.post, "/api/v1/showtimes/\(showtime.id)/orders", token: token,
                                                        json: #"{"bestAvailable":{"count":1}}"#)
                #expect(response.status == .created, "\(response.text)")
                orders.append((token, try response.json(BookingSteps.Order.self).id))
            }
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for (token, orderID) in orders {
                    group.addTask {
                        try await client.request(.put, "/api/v1/orders/\(orderID)/promotion", token: token, json: #"{"code":"FIRST5"}"#)
                            .status.code
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 200 }.count == 5 && statuses.filter { $0 == 422 }.count == racers - 5, "\(statuses)")
            let list: BookingAPI.PromotionList = try await client.request(.get, "/api/v1/admin/promotions", token: adminToken).json()
            #expect(list.promotions.first?.uses == 5)
            // Every discounted order carries the discount; the others none.
            var discounted = 0
            for (token, orderID) in orders {
                let order = try await steps.get(orderID, token: token)
                if let price = order.price, price.totalMinor < price.subtotalMinor { discounted += 1 }
            }
            #expect(discounted == 5)
        }
    }

    @Test func perPersonLimitsFirstBookingsAndUsesGivenBack() async throws {
        try await Harness.withAppAndSeatd(.sqlite) { client, components, _ in
            let steps = BookingSteps(client: client, components: components)
            let (showtime, adminToken) = try await SeatMapTests.scheduleShowtime(client, components)
            _ = try await Self.create(client, adminToken,
                                      #"{"code":"ONCE","description":"Once each","kind":"fixed","value":5000,"currency":"INR","scope":"everything",\#(Self.window),"usesPerPersonMax":1}"#)
            _ = try await Self.create(client, adminToken,
                                      #"{"code":"WELCOME","description":"First booking","kind":"percentage","value":1000,"scope":"firstBooking",\#(Self.window)}"#)
            let other = try await Self.create(client, adminToken,
                                              #"{"code":"ELSEWHERE","description":"Another theatre","kind":"percentage","value":1000,"scope":"theatre","scopeId":"inox-mumbai",\#(Self.window)}"#)
            let duplicate = try await client.request(.post, "/api/v1/admin/promotions", token: adminToken,
                                                     json: #"{"code":"once","description":"again","kind":"percentage","value":10,"scope":"everything",\#(Self.window)}"#)
            #expect(duplicate.status == .conflict)
            let invalid = try await client.request(.post, "/api/v1/admin/promotions", token: adminToken,
                                                   json: #"{"code":"X","description":"bad","kind":"percentage","value":10,"scope":"everything",\#(Self.window)}"#)
            #expect(try invalid.problem().errors?.map(\.field) == ["/code"])
            let (token, _) = try await steps.customer("asha@example.com")
            func apply(_ code: String, to orderID: String) async throws -> TestResponse {
                try await client.request(.put, "/api/v1/orders/\(orderID)/promotion", token: token, json: #"{"code":"\#(code)"}"#)
            }

            // The fixed code takes 50.00 off; paid, the provider is asked for the discounted total.
            let first = try await steps.held(showtime, seats: ["B1", "B2"], token: token)
            let applied = try await apply("once", to: first.id)
            #expect(applied.status == .ok, "\(applied.text)")
            #expect(try applied.json(BookingSteps.Order.self).price?.totalMinor == 45_000)
            #expect(try await steps.pay(first, card: SandboxCard.success.rawValue, token: token).status == .ok)
            let paid = try await components.booking.order(id: first.id, owner: nil)
            #expect(try await components.sandbox!.fetchPayment(try #require(paid.paymentReference)).amount == Money(45_000, "INR"))

            // Used once: not again. Not a first booking any more. Not this theatre's.
            let second = try await steps.held(showtime, seats: ["C1"], token: token)
            let again = try await apply("ONCE", to: second.id)
            #expect(try again.status == .unprocessableContent && (again.problem().detail) == "you have used this promo code already")
            #expect(try await apply("WELCOME", to: second.id).problem().detail == "this promo code does not apply: it is for a first booking")
            #expect(try await apply("ELSEWHERE", to: second.id).problem().detail == "this promo code does not apply: it is for another theatre")
            #expect(try await apply("NOSUCH", to: second.id).problem().detail == "there is no such promo code")
            let withdrawn = try await client.request(.post, "/api/v1/admin/promotions/\(other.id)/deactivate", token: adminToken)
            #expect(withdrawn.status == .ok)

            // A newcomer's first order gets WELCOME; given up, its use comes back for the next order.
            let (newcomer, _) = try await steps.customer("new@example.com")
            let held = try await steps.held(showtime, seats: ["D1"], token: newcomer)
            #expect(try await client.request(.put, "/api/v1/orders/\(held.id)/promotion", token: newcomer,
                                             json: #"{"code":"WELCOME"}"#).status == .ok)
            let removed: BookingSteps.Order = try await client.request(.delete, "/api/v1/orders/\(held.id)/promotion", token: newcomer).json()
            #expect(removed.price?.totalMinor == removed.price?.subtotalMinor)
            #expect(try await client.request(.put, "/api/v1/orders/\(held.id)/promotion", token: newcomer,
                                             json: #"{"code":"ONCE"}"#).status == .ok)
            #expect(try await client.request(.post, "/api/v1/orders/\(held.id)/release", token: newcomer).status == .ok)
            let next = try await steps.held(showtime, seats: ["E1"], token: newcomer)
            #expect(try await client.request(.put, "/api/v1/orders/\(next.id)/promotion", token: newcomer,
                                             json: #"{"code":"ONCE"}"#).status == .ok)
            // A paid order's price no longer changes.
            #expect(try await apply("ONCE", to: first.id).status == .conflict)
        }
    }
}
