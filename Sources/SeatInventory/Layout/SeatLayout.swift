/// A validated, immutable seating layout, shared by every show on its screen.
///
/// Seats are indexed `0..<seatCount` by section, then row, then left to right, so the seats of a
/// row are one contiguous index range and two adjacent seats have consecutive indices. All
/// per-seat facts live in flat arrays indexed by seat, read without locks by every show.
///
/// A seat without a `rank` gets one from its position: three times its distance in rows from
/// the sweet spot two thirds of the way back, plus its distance in seats from the centre line,
/// both doubled so that half positions stay integers.
public final class SeatLayout: Sendable {
    public let id: String
    public let name: String
    public let seatCount: Int
    public let categories: [LayoutDocument.Category]
    public let sections: [Section]
    public let rows: [Row]

    public struct Section: Hashable, Sendable {
        public let id: String
        public let name: String
        public let rows: Range<Int>
    }

    public struct Row: Hashable, Sendable {
        public let section: Int
        public let label: String
        public let y: Int
        public let seats: Range<Int>
        /// The best (lowest) rank in the row: no block in it can score below `count × bestRank`.
        public let bestRank: UInt32
    }

    let seatLabels: [String]
    let seatIndexByLabel: [String: SeatIndex]
    let seatX: [Int32]
    let seatRow: [UInt32]
    let seatRank: [UInt32]
    let seatCategory: [UInt8]
    /// Layout-blocked seats: never for sale on any show of this layout.
    public let blockedSeats: SeatBitmap
    let accessibleSeats: SeatBitmap
    let companionSeats: SeatBitmap
    /// Wheelchair spaces and companion seats: what general best-available leaves out.
    let specialSeats: SeatBitmap
    /// Bit `i` is set when seat `i + 1` sits directly right of seat `i` in the same row.
    let adjacentToNext: SeatBitmap
    /// One bitmap per category, for availability counts.
    let categorySeats: [SeatBitmap]
    /// Row indices ordered by ``Row/bestRank``, best first: the order best-available visits rows.
    let rowsByQuality: [Int]
    /// What best-available reads of each row, without the label, so that visiting a row copies
    /// no reference-counted field.
    let rowBounds: [RowBounds]

    struct RowBounds {
        let section: Int
        let seats: Range<Int>
        let bestRank: UInt32
    }
    /// Per row, the category all its seats share, or nil when it mixes categories.
    let categoryOfRow: [Int?]

    /// Validates `document` and builds the layout. O(seats log seats).
    public init(document: LayoutDocument) throws(LayoutError) {
        var builder = LayoutBuilder()
        try builder.validate(document)
        id = document.id
        name = document.name
        categories = document.categories
        seatCount = builder.seatLabels.count
        sections = builder.sections
        rows = builder.rows
        seatLabels = builder.seatLabels
        seatIndexByLabel = builder.seatIndexByLabel
        seatX = builder.seatX
        seatRow = builder.seatRow
        seatRank = builder.seatRank
        seatCategory = builder.seatCategory
        let flags = builder.seatFlags
        let seatCount = seatCount
        blockedSeats = SeatBitmap(seatCount: seatCount) { flags[$0].contains(.blocked) }
        accessibleSeats = SeatBitmap(seatCount: seatCount) { flags[$0].contains(.accessible) }
        companionSeats = SeatBitmap(seatCount: seatCount) { flags[$0].contains(.companion) }
        specialSeats = SeatBitmap(seatCount: seatCount) { !flags[$0].isDisjoint(with: [.accessible, .companion]) }
        let seatRow = builder.seatRow
        let seatX = builder.seatX
        adjacentToNext = SeatBitmap(seatCount: seatCount) { seat in
            seat + 1 < seatCount && seatRow[seat] == seatRow[seat + 1] && seatX[seat + 1] == seatX[seat] + 1
        }
        let seatCategory = builder.seatCategory
        categorySeats = document.categories.indices.map { category in
            SeatBitmap(seatCount: seatCount) { Int(seatCategory[$0]) == category }
        }
        let rows = builder.rows
        rowsByQuality = rows.indices.sorted { (rows[$0].bestRank, $0) < (rows[$1].bestRank, $1) }
        rowBounds = rows.map { RowBounds(section: $0.section, seats: $0.seats, bestRank: $0.bestRank) }
        categoryOfRow = rows.map { row in
            let first = seatCategory[row.seats.lowerBound]
            return seatCategory[row.seats].allSatisfy { $0 == first } ? Int(first) : nil
        }
    }

    /// The seat with this label ("H12"), or nil.
    public func seat(labelled label: String) -> SeatIndex? { seatIndexByLabel[label] }

    /// The seat a person typed: the exact label, else the only label equal to it ignoring case
    /// ("h12"). A scan of every label when the exact one misses: for people, not the seat path.
    public func seat(typed text: String) -> SeatIndex? {
        if let seat = seatIndexByLabel[text] { return seat }
        let wanted = text.lowercased()
        let matches = seatLabels.indices.lazy.filter { self.seatLabels[$0].lowercased() == wanted }.prefix(2)
        return matches.count == 1 ? SeatIndex(matches.first!) : nil
    }

    /// Labels within two typed characters of `text` (ignoring case), closest first, then those of
    /// its length (a mistyped character is likelier than a missing one), then those that begin as
    /// it does for longest (a row is rarely mistyped), then in seat order: what "did you mean"
    /// offers for a label that matched nothing.
    public func labels(near text: String, limit: Int = 3) -> [String] {
        let wanted = Array(text.lowercased())
        var near: [(distance: Int, lengthDifference: Int, unsharedPrefix: Int, seat: Int)] = []
        for (seat, label) in seatLabels.enumerated() where abs(label.count - wanted.count) <= 2 {
            let candidate = Array(label.lowercased())
            let distance = Self.editDistance(candidate, wanted, atMost: 2)
            guard distance <= 2 else { continue }
            let sharedPrefix = zip(candidate, wanted).prefix { $0 == $1 }.count
            near.append((distance, abs(candidate.count - wanted.count), wanted.count - sharedPrefix, seat))
        }
        return near.sorted { a, b in
            (a.distance, a.lengthDifference, a.unsharedPrefix, a.seat) < (b.distance, b.lengthDifference, b.unsharedPrefix, b.seat)
        }
        .prefix(limit).map { seatLabels[$0.seat] }
    }

    /// Levenshtein distance, or `bound + 1` as soon as it must exceed `bound`.
    static func editDistance(_ a: [Character], _ b: [Character], atMost bound: Int) -> Int {
        var previous = Array(0...b.count)
        for (i, characterOfA) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, characterOfB) in b.enumerated() {
                current[j + 1] = Swift.min(previous[j + 1] + 1, current[j] + 1, previous[j] + (characterOfA == characterOfB ? 0 : 1))
            }
            if current.min()! > bound { return bound + 1 }
            previous = current
        }
        return previous[b.count]
    }

    public func label(of seat: SeatIndex) -> String { seatLabels[seat.value] }
    public func rank(of seat: SeatIndex) -> Int { Int(seatRank[seat.value]) }
    public func row(of seat: SeatIndex) -> Int { Int(seatRow[seat.value]) }
    public func category(of seat: SeatIndex) -> Int { Int(seatCategory[seat.value]) }
    public func isAccessible(_ seat: SeatIndex) -> Bool { accessibleSeats.contains(seat.value) }
    public func isCompanion(_ seat: SeatIndex) -> Bool { companionSeats.contains(seat.value) }
    public func isBlocked(_ seat: SeatIndex) -> Bool { blockedSeats.contains(seat.value) }

    /// The seat's position in seat widths (`x`) and rows from the screen (`y`).
    public func position(of seat: SeatIndex) -> (x: Int, y: Int) {
        (Int(seatX[seat.value]), rows[row(of: seat)].y)
    }

    /// The index of the category with this id, or nil.
    public func categoryIndex(id: String) -> Int? { categories.firstIndex { $0.id == id } }

    /// The index of the section with this id, or nil.
    public func sectionIndex(id: String) -> Int? { sections.firstIndex { $0.id == id } }

    /// Whether seat `seat + 1` sits directly right of `seat` in the same row.
    func isAdjacentToNext(_ seat: Int) -> Bool { seat >= 0 && seat < seatCount && adjacentToNext.contains(seat) }
}
