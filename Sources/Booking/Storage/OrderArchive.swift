import BoxOfficeStorage
import Foundation
import SQLKit

/// A person's orders in their data export. Erasure keeps them: bookings and payments are
/// records accounting law requires, and the erased account's anonymous id is all that links
/// them to anyone; the one free-text field an order may carry about its customer (a partner's
/// customer reference) is cleared.
public struct OrderArchive: PersonalDataHolder {
    public init() {}

    public var exportSection: String { "orders" }

    /// Orders one export carries at most; a person past it is a partner's account, not a person.
    static let exportedMax = 10_000

    struct ExportedOrder: Encodable {
        var id: String
        var showtimeId: String
        var movieId: String
        var theatreId: String
        var showtimeStartsAt: Date
        var state: String
        var seats: [String]
        var price: PriceBreakdown?
        var bookingCode: String?
        var capturedMinor: Int64
        var refundMinor: Int64?
        var createdAt: Date
    }

    public func exportPersonalData(userID: String, on session: any SQLDatabase) async throws -> JSONValue {
        let orders = try await OrderRecords.orders(owner: userID, limit: Self.exportedMax, createdBefore: nil, on: session)
        return try JSONValue(encoding: orders.map { order in
            ExportedOrder(
                id: order.id, showtimeId: order.showtimeID, movieId: order.movieID, theatreId: order.theatreID,
                showtimeStartsAt: order.showtimeStartsAt, state: order.state.rawValue, seats: order.seats.map(\.label),
                price: order.price, bookingCode: order.bookingCode, capturedMinor: order.capturedMinor,
                refundMinor: order.refundMinor, createdAt: order.createdAt)
        })
    }

    public func erasePersonalData(userID: String, on session: any SQLDatabase) async throws {
        try await session.update("orders").set("customer_reference", to: SQLLiteral.null)
            .where("owner_id", .equal, userID).run()
    }

    public func personalDataErased(userID: String) async {}
}
