import Foundation
import NIOCore
import SeatInventory
import SeatMaps

/// What a showtime's seat map shows that does not change as seats sell: the screen's seats in
/// sections and rows (each with its index in the seat server), the categories with this
/// showtime's prices. Built once per showtime; ``render(_:sequence:)`` adds the seats' states.
struct SeatMapLayout: Sendable {
    let showtime: Showtime
    /// The showtime's show in the seat server.
    let seatShowID: UInt32
    let screenName: String
    let seatCount: Int
    let cancellationPolicy: CancellationPolicy
    /// The screen's layout as the seat server holds it: labels, categories, positions by seat index.
    let seatLayout: SeatLayout
    /// The sections, encoded once: every rendering repeats them as they are.
    let sectionsJSON: [UInt8]
    /// The category of each seat, by seat index, as an index into `categories`.
    let seatCategories: [Int]
    let categories: [SeatCategory]

    struct SectionJSON: Encodable {
        var id: String
        var name: String
        var rows: [RowJSON]
    }

    struct RowJSON: Encodable {
        var label: String
        var y: Int
        var seats: [SeatJSON]
    }

    struct SeatJSON: Encodable {
        /// The seat's position in the `availability` string and in holds.
        var index: Int
        var label: String
        var x: Int
        var category: String
        var flags: [String]?
    }

    /// - Throws: when the stored layout is not one the seat server accepted (it always is).
    init(showtime: Showtime, seatShowID: UInt32, screenName: String, layoutJSON: String,
         cancellationPolicy: CancellationPolicy) throws {
        let document = try JSONDecoder().decode(LayoutDocument.self, from: Data(layoutJSON.utf8))
        let layout = try SeatLayout(document: document)
        self.showtime = showtime
        self.seatShowID = seatShowID
        self.screenName = screenName
        self.cancellationPolicy = cancellationPolicy
        seatLayout = layout
        seatCount = layout.seatCount
        categories = layout.categories.map { SeatCategory(id: $0.id, name: $0.name) }
        seatCategories = (0..<layout.seatCount).map { layout.category(of: SeatIndex($0)) }
        let sections = layout.sections.map { section in
            SectionJSON(id: section.id, name: section.name, rows: section.rows.map { rowIndex in
                let row = layout.rows[rowIndex]
                return RowJSON(label: row.label, y: row.y, seats: row.seats.map { index in
                    let seat = SeatIndex(index)
                    var flags: [String] = []
                    if layout.isAccessible(seat) { flags.append("accessible") }
                    if layout.isCompanion(seat) { flags.append("companion") }
                    if layout.isBlocked(seat) { flags.append("blocked") }
                    return SeatJSON(index: index, label: layout.label(of: seat), x: layout.position(of: seat).x,
                                    category: layout.categories[layout.category(of: seat)].id, flags: flags.isEmpty ? nil : flags)
                })
            })
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        sectionsJSON = Array(try encoder.encode(sections))
    }

    /// How many seats a layout document has (as the seat server would count them).
    static func seatCount(ofLayout json: [UInt8]) throws -> Int {
        try SeatLayout(document: try JSONDecoder().decode(LayoutDocument.self, from: Data(json))).seatCount
    }

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
        var freeByCategory = Array(repeating: 0, count: categories.count)
        var counts = SeatAvailability.Counts()
        var codes = [UInt8]()
        codes.reserveCapacity(seatCount)
        for seat in 0..<seatCount {
            let state = seat < availability.seatCount ? availability.state(of: seat) : .blocked
            switch state {
            case .free:
                counts.free += 1
                freeByCategory[seatCategories[seat]] += 1
            case .held: counts.held += 1
            case .sold: counts.sold += 1
            case .blocked: counts.blocked += 1
            }
            codes.append(state.code)
        }
        let header = Header(
            showtimeId: showtime.id, movieId: showtime.movieId, theatreId: showtime.theatreId,
            screen: .init(id: showtime.screenId, name: screenName), startsAt: showtime.startsAt, status: showtime.status,
            currency: showtime.currency, sequence: availability.sequence, counts: counts,
            categories: categories.enumerated().map { index, category in
                CategoryJSON(id: category.id, name: category.name, price: showtime.prices[category.id], free: freeByCategory[index])
            },
            availability: String(decoding: codes, as: UTF8.self))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.dateEncodingStrategy = .iso8601
        let headerJSON = try encoder.encode(header)
        var buffer = ByteBuffer()
        buffer.reserveCapacity(headerJSON.count + sectionsJSON.count + 16)
        buffer.writeBytes(headerJSON.dropLast())  // its closing brace
        buffer.writeString(#","sections":"#)
        buffer.writeBytes(sectionsJSON)
        buffer.writeString("}")
        return buffer
    }
}
