import Booking
import Payments
import SeatInventory
import SeatMaps

/// A showtime's seats drawn as SVG: each seat where the layout puts it (seat widths across,
/// rows from the screen down), shaded by category, marked when accessible or a companion seat,
/// and stated as free, held, sold or not for sale. A value built from the layout and one
/// reading of the seats, so it is tested without a server.
///
/// Every seat is a `role="checkbox"` with a label that says everything the shading says
/// (`C5, Premium, ₹350, free`), so a screen reader or a keyboard walks the map as a sighted
/// person reads it. The script (`seatmap.js`) moves focus between seats with the arrow keys and
/// toggles them; without it, the page's best-available form still books.
struct SeatMapDrawing: Sendable {
    /// Maps with more seats than this are not drawn: the page offers best available instead,
    /// which keeps the page within its weight budget (an arena's 100,000 seats would be 15 MB).
    static let seatsDrawnMax = 3_000
    /// One seat width or row, in SVG units.
    static let pitch = 28
    static let seatSize = 22
    /// Room left and right of the seats for the row labels, and above them for the screen.
    static let margin = 36
    static let screenHeight = 48

    struct Seat: Sendable, Equatable {
        var index: Int
        var label: String
        var x: Int
        var y: Int
        var category: Int
        var state: SeatAvailability.SeatState
        var isAccessible: Bool
        var isCompanion: Bool
        var description: String
    }

    struct RowLabel: Sendable, Equatable {
        var label: String
        var y: Int
    }

    struct Category: Sendable, Equatable {
        var id: String
        var name: String
        var price: Money?
    }

    let width: Int
    let height: Int
    let seats: [Seat]
    let rows: [RowLabel]
    let categories: [Category]

    /// - Parameters:
    ///   - state: each seat's state by index (seats past the reading's end are not for sale).
    ///   - prices: the showtime's price of each category id, in minor units of `currency`; a
    ///     category without one is not for sale. Nil for a layout's preview: every seat by category.
    init(layout: SeatLayout, state: (Int) -> SeatAvailability.SeatState, prices: [String: Int64]?, currency: String) {
        categories = layout.categories.map { category in
            Category(id: category.id, name: category.name, price: prices?[category.id].map { Money($0, currency) })
        }
        var minX = Int.max, maxX = Int.min, minY = Int.max, maxY = Int.min
        for row in layout.rows {
            minY = min(minY, row.y)
            maxY = max(maxY, row.y)
            for index in row.seats {
                let x = layout.position(of: SeatIndex(index)).x
                minX = min(minX, x)
                maxX = max(maxX, x)
            }
        }
        guard minX <= maxX else {
            (width, height, seats, rows) = (2 * Self.margin, Self.screenHeight, [], [])
            return
        }
        let left = Self.margin, top = Self.screenHeight
        width = 2 * Self.margin + (maxX - minX + 1) * Self.pitch
        height = Self.screenHeight + (maxY - minY + 1) * Self.pitch + 8
        rows = layout.rows.map { RowLabel(label: $0.label, y: top + ($0.y - minY) * Self.pitch) }
        var seats: [Seat] = []
        seats.reserveCapacity(layout.seatCount)
        for row in layout.rows {
            for index in row.seats {
                let seat = SeatIndex(index)
                let category = categories[layout.category(of: seat)]
                let isForSale = prices == nil || category.price != nil
                let seatState = layout.isBlocked(seat) || !isForSale ? .blocked : state(index)
                var facts = [layout.label(of: seat), category.name]
                if let price = category.price { facts.append(price.formatted) }
                if layout.isAccessible(seat) { facts.append("wheelchair space") }
                if layout.isCompanion(seat) { facts.append("companion seat") }
                facts.append(Self.stateName(seatState))
                seats.append(Seat(
                    index: index, label: layout.label(of: seat),
                    x: left + (layout.position(of: seat).x - minX) * Self.pitch, y: top + (row.y - minY) * Self.pitch,
                    category: layout.category(of: seat), state: seatState,
                    isAccessible: layout.isAccessible(seat), isCompanion: layout.isCompanion(seat),
                    description: facts.joined(separator: ", ")))
            }
        }
        self.seats = seats
    }

    static func stateName(_ state: SeatAvailability.SeatState) -> String {
        switch state {
        case .free: "free"
        case .held: "held by someone"
        case .sold: "sold"
        case .blocked: "not for sale"
        }
    }

    static func stateClass(_ state: SeatAvailability.SeatState) -> String {
        switch state {
        case .free: "free"
        case .held: "held"
        case .sold: "sold"
        case .blocked: "blocked"
        }
    }

    /// The map as an `<svg>` element. The first free seat takes the tab stop; the script moves
    /// it as focus moves (a roving tab index), so the map is one stop in the page's tab order.
    ///
    /// - Parameter refused: seats the seat server just refused, outlined and described by the
    ///   page's error message (`#hold-error`).
    func svg(title: String, refused: Set<String> = []) -> String {
        let escape = HTML.escape
        var out = ""
        out.reserveCapacity(200 + seats.count * 190)
        out += #"<svg class="seatmap" viewBox="0 0 \#(width) \#(height)" role="group" aria-labelledby="seatmap-title" data-pitch="\#(Self.pitch)">"#
        out += #"<title id="seatmap-title">\#(escape(title))</title>"#
        let screenLeft = Self.margin, screenWidth = width - 2 * Self.margin
        out += #"<path class="screen" d="M\#(screenLeft) 18 Q\#(width / 2) 6 \#(screenLeft + screenWidth) 18" aria-hidden="true"/>"#
        out += #"<text class="screen-label" x="\#(width / 2)" y="32" text-anchor="middle" aria-hidden="true">Screen</text>"#
        let labelY = Self.seatSize / 2 + 5
        for row in rows {
            out += #"<text class="row-label" x="\#(Self.margin / 2)" y="\#(row.y + labelY)" text-anchor="middle" aria-hidden="true">\#(escape(row.label))</text>"#
            out += #"<text class="row-label" x="\#(width - Self.margin / 2)" y="\#(row.y + labelY)" text-anchor="middle" aria-hidden="true">\#(escape(row.label))</text>"#
        }
        let tabStop = seats.firstIndex { $0.state == .free }
        for (position, seat) in seats.enumerated() {
            let state = Self.stateClass(seat.state)
            var classes = "seat \(state) c\(seat.category)"
            if seat.isAccessible { classes += " accessible" }
            if seat.isCompanion { classes += " companion" }
            let isRefused = refused.contains(seat.label)
            if isRefused { classes += " refused" }
            out += #"<rect class="\#(classes)" x="\#(seat.x)" y="\#(seat.y)" width="\#(Self.seatSize)" height="\#(Self.seatSize)" rx="5""#
            out += #" data-i="\#(seat.index)" data-label="\#(escape(seat.label))" role="checkbox" aria-checked="false""#
            if seat.state != .free { out += #" aria-disabled="true""# }
            if isRefused { out += #" aria-describedby="hold-error""# }
            out += #" tabindex="\#(position == tabStop ? 0 : -1)" aria-label="\#(escape(seat.description))"/>"#
            if seat.isAccessible || seat.isCompanion {
                // A letter over the seat, for those who cannot tell the outline's shape apart.
                out += #"<text class="seat-mark" x="\#(seat.x + Self.seatSize / 2)" y="\#(seat.y + labelY)" text-anchor="middle" aria-hidden="true">\#(seat.isAccessible ? "W" : "C")</text>"#
            }
        }
        out += "</svg>"
        return out
    }
}
