/// A seating layout as a theatre management system exports it: sections of rows of seats.
///
/// ```json
/// { "id": "riverside-1", "name": "Riverside Screen 1",
///   "categories": [{ "id": "standard", "name": "Standard" }],
///   "sections": [{ "id": "stalls", "name": "Stalls", "rows": [
///     { "label": "A", "y": 0, "seats": [
///       { "label": "A1", "x": 0, "category": "standard", "rank": 40, "flags": ["accessible"] } ] } ] }] }
/// ```
///
/// Positions are in seat widths: two seats of a row are adjacent when their `x` differ by one,
/// so a gap in `x` is an aisle. `rank` orders seats by quality, lower is better; when absent it
/// is derived from the position (see ``SeatLayout``). ``SeatLayout/init(document:)`` validates.
public struct LayoutDocument: Codable, Hashable, Sendable {
    public var id: String
    public var name: String
    public var categories: [Category]
    public var sections: [Section]

    public init(id: String, name: String, categories: [Category], sections: [Section]) {
        self.id = id
        self.name = name
        self.categories = categories
        self.sections = sections
    }

    /// A price tier.
    public struct Category: Codable, Hashable, Sendable {
        public var id: String
        public var name: String

        public init(id: String, name: String) {
            self.id = id
            self.name = name
        }
    }

    public struct Section: Codable, Hashable, Sendable {
        public var id: String
        public var name: String
        public var rows: [Row]

        public init(id: String, name: String, rows: [Row]) {
            self.id = id
            self.name = name
            self.rows = rows
        }
    }

    public struct Row: Codable, Hashable, Sendable {
        public var label: String
        /// Distance from the screen in rows; defaults to the row's position in the whole layout.
        public var y: Int?
        public var seats: [Seat]

        public init(label: String, y: Int? = nil, seats: [Seat]) {
            self.label = label
            self.y = y
            self.seats = seats
        }
    }

    public struct Seat: Codable, Hashable, Sendable {
        public var label: String
        public var x: Int
        public var category: String
        public var rank: Int?
        public var flags: [SeatFlag]?

        public init(label: String, x: Int, category: String, rank: Int? = nil, flags: [SeatFlag]? = nil) {
            self.label = label
            self.x = x
            self.category = category
            self.rank = rank
            self.flags = flags
        }
    }

    public enum SeatFlag: String, Codable, Hashable, Sendable {
        /// A wheelchair space; best-available offers it only to requests that ask for one.
        case accessible
        /// A seat beside a wheelchair space, for the wheelchair user's companion.
        case companion
        /// Never for sale: a house seat, a broken seat, a camera position.
        case blocked
    }
}
