import Foundation
import NIOCore
import SeatMaps

/// A showtime's seat map apart from its seats' states: the showtime (prices, status, start), its
/// show in the seat server, its theatre (name, time zone, cancellation terms) and the screen's
/// seat map. Built again after a catalog change, which is cheap: the screen's part is kept.
/// ``render(_:)`` adds the seats' states.
struct SeatMapLayout: Sendable {
    let showtime: Showtime
    /// The showtime's show in the seat server.
    let seatShowID: UInt32
    let theatre: Theatre
    let screen: ScreenSeatMap

    /// The seat map's changing part: states, counts and what is left per category.
    struct Header: Encodable {
        var showtimeId: String
        var movieId: String
        var theatreId: String
        var screen: ScreenName
        var startsAt: Date
        var status: Showtime.Status
        var currency: String
        /// The seat server's change number this map includes: a live feed resumes after it.
        var sequence: UInt64
        var counts: SeatAvailability.Counts
        var categories: [CategoryJSON]
        /// One letter per seat by index: f free, h held, s sold, b blocked (not for sale).
        var availability: String
    }

    struct ScreenName: Encodable {
        var id: String
        var name: String
    }

    struct CategoryJSON: Encodable {
        var id: String
        var name: String
        /// In minor units of `currency`; absent when this showtime does not sell the category.
        var price: Int64?
        var free: Int
    }

    /// The whole seat map as JSON: the header's fields and `sections`.
    func render(_ availability: SeatAvailability) throws -> ByteBuffer {
        var freeByCategory = Array(repeating: 0, count: screen.categories.count)
        var counts = SeatAvailability.Counts()
        var codes = [UInt8]()
        codes.reserveCapacity(screen.seatCount)
        for seat in 0..<screen.seatCount {
            let state = seat < availability.seatCount ? availability.state(of: seat) : .blocked
            switch state {
            case .free:
                counts.free += 1
                freeByCategory[screen.seatCategories[seat]] += 1
            case .held: counts.held += 1
            case .sold: counts.sold += 1
            case .blocked: counts.blocked += 1
            }
            codes.append(state.code)
        }
        let header = Header(
            showtimeId: showtime.id, movieId: showtime.movieId, theatreId: showtime.theatreId,
            screen: .init(id: showtime.screenId, name: screen.screenName), startsAt: showtime.startsAt, status: showtime.status,
            currency: showtime.currency, sequence: availability.sequence, counts: counts,
            categories: screen.categories.enumerated().map { index, category in
                CategoryJSON(id: category.id, name: category.name, price: showtime.prices[category.id], free: freeByCategory[index])
            },
            availability: String(decoding: codes, as: UTF8.self))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.dateEncodingStrategy = .iso8601
        let headerJSON = try encoder.encode(header)
        var buffer = ByteBuffer()
        buffer.reserveCapacity(headerJSON.count + screen.sectionsJSON.count + 16)
        buffer.writeBytes(headerJSON.dropLast())  // its closing brace
        buffer.writeString(#","sections":"#)
        buffer.writeBytes(screen.sectionsJSON)
        buffer.writeString("}")
        return buffer
    }
}
