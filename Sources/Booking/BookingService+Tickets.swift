import Catalog
import Foundation

/// What an e-ticket shows: the booking, the film and the theatre, and the code to scan.
public struct Ticket: Sendable {
    public let order: Order
    public let movieTitle: String
    public let theatre: Theatre
    /// What the QR code holds: the booking code with a prefix a theatre's scanner recognizes.
    public let scannedText: String
    public let code: QRSymbol
}

extension BookingService {
    /// The e-ticket of a confirmed booking.
    public func ticket(orderID: String, owner: Owner) async throws -> Ticket {
        let order = try await order(id: orderID, owner: owner)
        guard order.state == .confirmed, let bookingCode = order.bookingCode else { throw BookingError.noTicket(order.state) }
        let title = catalog.movies(ids: [order.movieID])[order.movieID]?.title ?? "Your film"
        let theatre = try await catalog.theatre(id: order.theatreID)
        let text = "BOXOFFICE-TICKET:\(bookingCode)"
        return Ticket(order: order, movieTitle: title, theatre: theatre, scannedText: text, code: try QRSymbol(encoding: text))
    }
}
