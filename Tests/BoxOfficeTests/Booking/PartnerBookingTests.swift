import Accounts
import Booking
import BoxOfficeEdge
import Foundation
import HTTPTypes
import HummingbirdTesting
import Payments
import SQLKit
import Testing

@Suite("Partners booking for their customers with API keys", .timeLimit(.minutes(3)))
struct PartnerBookingTests {
    /// A partner key made by `adminToken`; its secret.
    static func partnerKey(
        _ client: any TestClientProtocol, adminToken: String, scopes: [String], theatres: [String] = []
    ) async throws -> String {
        let scopeList = scopes.map { #""\#($0)""# }.joined(separator: ",")
        let theatreList = theatres.map { #""\#($0)""# }.joined(separator: ",")
        let response = try await client.request(
            .post, "/api/v1/admin/api-keys", token: adminToken,
            json: #"{"name":"Partner","scopes":[\#(scopeList)],"theatreIds":[\#(theatreList)]}"#)
        #expect(response.status == .created, "\(response.text)")
        return try response.json(AccountsAPI.CreatedPartnerKey.self).secret
    }

    @Test(arguments: TestEngine.allCases)
    func aPartnerBooksForItsCustomerAndOnlyThatKeySeesTheOrder(engine: TestEngine) async throws {
        try await Harness.withAppAndSeatd(engine) { client, components, _ in
            let steps = BookingSteps(client: client, components: components)
            let (showtime, adminToken) = try await SeatMapTests.scheduleShowtime(client, components)
            let partner = try await Self.partnerKey(client, adminToken: adminToken, scopes: ["bookings:write"])
            let otherPartner = try await Self.partnerKey(client, adminToken: adminToken, scopes: ["bookings:write"])
            let (customerToken, _) = try await steps.customer("asha@example.com")
            let asPartner: HTTPFields = [.apiKey: partner]

            let placed = try await client.request(.post, "/api/v1/showtimes/\(showtime.id)/orders",
                                                  json: #"{"seats":["C4"],"customerReference":"crm-42"}"#, headers: asPartner)
            #expect(placed.status == .created, "\(placed.text)")
            let held: BookingSteps.Order = try placed.json()
            let paid = try await client.request(.post, "/api/v1/orders/\(held.id)/payment",
                                                json: #"{"paymentMethod":"\#(SandboxCard.success.rawValue)"}"#, headers: asPartner)
            #expect(paid.status == .ok, "\(paid.text)")
            #expect(try paid.json(BookingSteps.Order.self).state == "confirmed")
            let (sold, _) = try await SeatMapTests.seatMap(client, showtime.id) { $0.counts["sold"] == 1 }
            #expect(sold.state(of: "C4") == "s")

            // The key that booked sees it and lists it; another partner and a person do not.
            #expect(try await client.request(.get, "/api/v1/orders/\(held.id)", headers: asPartner).status == .ok)
            struct OrderList: Decodable { var orders: [BookingSteps.Order] }
            let listed: OrderList = try await client.request(.get, "/api/v1/orders", headers: asPartner).json()
            #expect(listed.orders.map(\.id) == [held.id])
            #expect(try await client.request(.get, "/api/v1/orders/\(held.id)", headers: [.apiKey: otherPartner]).status == .notFound)
            let othersList: OrderList = try await client.request(.get, "/api/v1/orders", headers: [.apiKey: otherPartner]).json()
            #expect(othersList.orders.isEmpty)
            #expect(try await client.request(.get, "/api/v1/orders/\(held.id)", token: customerToken).status == .notFound)
            let cancelByOther = try await client.request(.post, "/api/v1/orders/\(held.id)/cancel", headers: [.apiKey: otherPartner])
            #expect(cancelByOther.status == .notFound)

            // The partner tells its customer: the booking's messages have no recipient here.
            let recipients = try await components.database.withReadSession { session in
                try await session.select().column("recipient_user_id").column("topic").from("outbox")
                    .where("payload", .like, "%\(held.id)%").all()
                    .map { (try $0.decode(column: "recipient_user_id", as: String?.self), try $0.decode(column: "topic", as: String.self)) }
            }
            #expect(recipients.contains { $0.1 == "booking.confirmed" })
            #expect(recipients.allSatisfy { $0.0 == nil }, "\(recipients)")

            // The partner cancels it, for the refund the theatre's policy gives.
            let cancelled = try await client.request(.post, "/api/v1/orders/\(held.id)/cancel", headers: asPartner)
            #expect(cancelled.status == .ok, "\(cancelled.text)")
            #expect(try cancelled.json(BookingSteps.Order.self).state == "cancelled")
        }
    }

    @Test(arguments: TestEngine.allCases)
    func keysBookOnlyWhatTheirScopesAndTheatresAllowAndReferencesAreChecked(engine: TestEngine) async throws {
        try await Harness.withAppAndSeatd(engine) { client, components, _ in
            let steps = BookingSteps(client: client, components: components)
            let (showtime, adminToken) = try await SeatMapTests.scheduleShowtime(client, components)
            let path = "/api/v1/showtimes/\(showtime.id)/orders"

            let readOnly = try await Self.partnerKey(client, adminToken: adminToken, scopes: ["catalog:read"])
            let noScope = try await client.request(.post, path, json: #"{"seats":["D1"]}"#, headers: [.apiKey: readOnly])
            #expect(noScope.status == .forbidden)

            let elsewhere = try await Self.partnerKey(client, adminToken: adminToken, scopes: ["bookings:write"],
                                                      theatres: ["another-theatre"])
            let refused = try await client.request(.post, path, json: #"{"seats":["D1"]}"#, headers: [.apiKey: elsewhere])
            #expect(refused.status == .forbidden)
            #expect(try refused.problem().code == "theatre_not_allowed")
            let here = try await Self.partnerKey(client, adminToken: adminToken, scopes: ["bookings:write"], theatres: ["pvr-pune"])
            let allowed = try await client.request(.post, path, json: #"{"seats":["D1"]}"#, headers: [.apiKey: here])
            #expect(allowed.status == .created, "\(allowed.text)")
            // Nothing was held for the refused keys: D1 is held once, by the allowed one.
            let (map, _) = try await SeatMapTests.seatMap(client, showtime.id) { $0.counts["held"] == 1 }
            #expect(map.state(of: "D1") == "h")

            let tooLong = String(repeating: "r", count: 129)
            let long = try await client.request(.post, path, json: #"{"seats":["D2"],"customerReference":"\#(tooLong)"}"#,
                                                headers: [.apiKey: here])
            #expect(long.status == .unprocessableContent)
            #expect(try long.problem().errors?.first?.field == "/customerReference")
            let (customerToken, _) = try await steps.customer("ravi@example.com")
            let byPerson = try await client.request(.post, path, token: customerToken, json: #"{"seats":["D2"],"customerReference":"me"}"#)
            #expect(byPerson.status == .unprocessableContent)
            #expect(try byPerson.problem().errors?.first?.field == "/customerReference")
        }
    }

    /// A theatre management system reads a theatre's sales with a `reports:read` key made for
    /// it; other theatres, other scopes, and staff powers beyond reading stay closed to it.
    @Test func aReportsKeyReadsItsTheatresSalesAndNothingElse() async throws {
        try await Harness.withAppAndSeatd(.sqlite) { client, components, _ in
            let steps = BookingSteps(client: client, components: components)
            let (showtime, adminToken) = try await SeatMapTests.scheduleShowtime(client, components)
            let (token, _) = try await steps.customer("asha@example.com")
            let order = try await steps.held(showtime, seats: ["B1"], token: token)
            #expect(try await steps.pay(order, card: SandboxCard.success.rawValue, token: token).status == .ok)

            let reports = try await Self.partnerKey(client, adminToken: adminToken, scopes: ["reports:read"], theatres: ["pvr-pune"])
            let everywhere = try await Self.partnerKey(client, adminToken: adminToken, scopes: ["reports:read"])
            let elsewhere = try await Self.partnerKey(client, adminToken: adminToken, scopes: ["reports:read"], theatres: ["inox-mumbai"])
            let booker = try await Self.partnerKey(client, adminToken: adminToken, scopes: ["bookings:write", "catalog:read"],
                                                   theatres: ["pvr-pune"])
            let sales = "/api/v1/theatres/pvr-pune/showtimes/\(showtime.id)/sales"
            for key in [reports, everywhere] {
                let read = try await client.request(.get, sales, headers: [.apiKey: key])
                #expect(read.status == .ok, "\(read.text)")
                #expect(try read.json(ShowtimeSalesReport.self).orders == ["confirmed": 1])
            }
            #expect(try await client.request(.get, sales, headers: [.apiKey: elsewhere]).status == .forbidden)
            #expect(try await client.request(.get, sales, headers: [.apiKey: booker]).status == .forbidden)
            // Another theatre's path with this showtime is not found, as for staff.
            let crossed = "/api/v1/theatres/inox-mumbai/showtimes/\(showtime.id)/sales"
            #expect(try await client.request(.get, crossed, headers: [.apiKey: elsewhere]).status == .notFound)
            // Reading is all: refunds, showtimes and screens are staff's.
            let retry = try await client.request(
                .post, "/api/v1/theatres/pvr-pune/showtimes/\(showtime.id)/orders/\(order.id)/refunds/retry", headers: [.apiKey: reports])
            #expect(retry.status == .forbidden)
            let cancel = try await client.request(.post, "/api/v1/theatres/pvr-pune/showtimes/\(showtime.id)/cancel",
                                                  headers: [.apiKey: reports])
            #expect(cancel.status == .forbidden)
        }
    }
}
