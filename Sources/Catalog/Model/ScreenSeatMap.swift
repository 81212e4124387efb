import Foundation
import SeatInventory

/// What a screen's seat map shows whatever the showtime: its seats in sections and rows (each
/// with its index in the seat server) and their categories.
///
/// A screen's layout is never changed once created (its showtimes' shows in the seat server were
/// made from it), so this is built once per screen and outlives changes to the rest of the
/// catalog. For a stadium it is costly: 100,000 seats decoded, labelled and encoded.
struct ScreenSeatMap: Sendable {
    let screenName: String
    /// The screen's layout as the seat server holds it: labels, categories, positions by seat index.
    let seatLayout: SeatLayout
    /// The sections, encoded once: every rendering repeats them as they are.
    let sectionsJSON: [UInt8]
    /// The category of each seat, by seat index, as an index into `categories`.
    let seatCategories: [Int]
    let categories: [SeatCategory]

    var seatCount: Int { seatLayout.seatCount }

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
    init(screenName: String, layoutJSON: String) throws {
        let document = try JSONDecoder().decode(LayoutDocument.self, from: Data(layoutJSON.utf8))
        let layout = try SeatLayout(document: document)
        self.screenName = screenName
        seatLayout = layout
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
}
