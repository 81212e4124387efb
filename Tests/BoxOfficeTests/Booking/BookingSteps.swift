import BoxOfficeApp
import BoxOfficeStorage
import Catalog
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Steps the booking tests share: a showtime on sale, customers, orders through the API.
struct BookingSteps {
    let client: any TestClientProtocol
    let components: BoxOfficeComponents

    /// An order as the API answers it.
    struct Order: Decodable {
        struct Seat: Decodable {
            var label: String
            var category: String
            var priceMinor: Int64
        }
        struct Price: Decodable {
            var currency: String
            var subtotalMinor: Int64
            var bookingFeeMinor: Int64
            var taxMinor: Int64
            var totalMinor: Int64
        }
        struct Payment: Decodable {
            var attempt: Int
            var nextActionUrl: String?
            var failure: String?
        }
        struct Cancellation: Decodable {
            var feeMinor: Int64
            var refundMinor: Int64
        }
        var id: String
        var state: String
        var seats: [Seat]
        var price: Price?
        var holdExpiresAt: Date?
        var payment: Payment?
        var bookingCode: String?
        var cancellation: Cancellation?
        var failureReason: String?
    }

    /// Tomorrow evening's showtime (rows A–H standard at 250.00, I–L premium at 400.00).
    func showtime() async throws -> Showtime {
        try await SeatMapTests.scheduleShowtime(client, components).showtime
    }

    /// A signed-in customer: their access token and user id.
    func customer(_ email: String) async throws -> (token: String, userID: String) {
        let tokens = try await AccountSteps(client: client, components: components).newCustomer(email)
        return (tokens.accessToken, tokens.user.id)
    }

    func order(_ showtime: Showtime, seats: [String], token: String) async throws -> TestResponse {
        let labels = seats.map { #""\#($0)""# }.joined(separator: ",")
        return try await client.request(.post, "/api/v1/showtimes/\(showtime.id)/orders", token: token, json: #"{"seats":[\#(labels)]}"#)
    }

    func held(_ showtime: Showtime, seats: [String], token: String) async throws -> Order {
        let response = try await order(showtime, seats: seats, token: token)
        #expect(response.status == .created, "\(response.text)")
        return try response.json()
    }

    func pay(_ order: Order, card: String, token: String) async throws -> TestResponse {
        try await client.request(.post, "/api/v1/orders/\(order.id)/payment", token: token, json: #"{"paymentMethod":"\#(card)"}"#)
    }

    func get(_ orderID: String, token: String) async throws -> Order {
        let response = try await client.request(.get, "/api/v1/orders/\(orderID)", token: token)
        #expect(response.status == .ok, "\(response.text)")
        return try response.json()
    }

    /// Reads the order until `condition` holds (webhooks arrive a moment later). Bounded to 10 s.
    func order(_ orderID: String, token: String, until condition: (Order) -> Bool) async throws -> Order {
        for _ in 0..<200 {
            let order = try await get(orderID, token: token)
            if condition(order) { return order }
            try await Task.sleep(for: .milliseconds(50))
        }
        let last = try await get(orderID, token: token)
        Issue.record("order \(orderID) stayed \(last.state)")
        return last
    }

    /// The outbox topics queued for the order's owner, oldest first.
    func events(for userID: String) async throws -> [String] {
        try await components.database.withSession { session in
            try await Outbox.messages(for: userID, on: session).map(\.topic)
        }
    }
}
