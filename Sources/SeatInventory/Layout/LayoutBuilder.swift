/// Checks a ``LayoutDocument`` element by element and flattens it into per-seat arrays.
struct LayoutBuilder {
    var sections: [SeatLayout.Section] = []
    var rows: [SeatLayout.Row] = []
    var seatLabels: [String] = []
    var seatIndexByLabel: [String: SeatIndex] = [:]
    var seatX: [Int32] = []
    var seatRow: [UInt32] = []
    var seatRank: [UInt32] = []
    var seatCategory: [UInt8] = []
    var seatFlags: [Set<LayoutDocument.SeatFlag>] = []

    mutating func validate(_ document: LayoutDocument) throws(LayoutError) {
        try Self.checkLabel(document.id, at: "id")
        try Self.checkLabel(document.name, at: "name", allowLong: true)
        try Self.checkCount(document.categories.count, limit: InventoryLimits.categoriesPerLayoutMax, at: "categories")
        try Self.checkCount(document.sections.count, limit: InventoryLimits.sectionsPerLayoutMax, at: "sections")
        var categoryIndexByID: [String: Int] = [:]
        for (index, category) in document.categories.enumerated() {
            let path = "categories[\(Self.name(category.id, index))]"
            try Self.checkLabel(category.id, at: path)
            guard categoryIndexByID.updateValue(index, forKey: category.id) == nil else {
                throw LayoutError(path: path, problem: .duplicateLabel(category.id))
            }
        }
        let rowCount = document.sections.reduce(0) { $0 + $1.rows.count }
        try Self.checkCount(rowCount, limit: InventoryLimits.rowsPerLayoutMax, at: "rows")
        let seatCount = document.sections.reduce(0) { total, section in
            section.rows.reduce(total) { $0 + $1.seats.count }
        }
        try Self.checkCount(seatCount, limit: InventoryLimits.seatsPerShowMax, at: "seats")
        reserve(seatCount)

        var sectionIDs = Set<String>()
        for (sectionIndex, section) in document.sections.enumerated() {
            let sectionPath = "sections[\(Self.name(section.id, sectionIndex))]"
            try Self.checkLabel(section.id, at: sectionPath)
            guard sectionIDs.insert(section.id).inserted else {
                throw LayoutError(path: sectionPath, problem: .duplicateLabel(section.id))
            }
            guard !section.rows.isEmpty else { throw LayoutError(path: "\(sectionPath).rows", problem: .empty) }
            let firstRow = rows.count
            var rowLabels = Set<String>()
            for (rowIndex, row) in section.rows.enumerated() {
                let rowPath = "\(sectionPath).rows[\(Self.name(row.label, rowIndex))]"
                try Self.checkLabel(row.label, at: rowPath)
                guard rowLabels.insert(row.label).inserted else {
                    throw LayoutError(path: rowPath, problem: .duplicateLabel(row.label))
                }
                try appendRow(row, section: sectionIndex, at: rowPath, categoryIndexByID: categoryIndexByID)
            }
            sections.append(SeatLayout.Section(id: section.id, name: section.name, rows: firstRow..<rows.count))
        }
        assignDefaultRanks(document)
    }

    private mutating func reserve(_ seatCount: Int) {
        seatLabels.reserveCapacity(seatCount)
        seatIndexByLabel.reserveCapacity(seatCount)
        seatX.reserveCapacity(seatCount)
        seatRow.reserveCapacity(seatCount)
        seatRank.reserveCapacity(seatCount)
        seatCategory.reserveCapacity(seatCount)
        seatFlags.reserveCapacity(seatCount)
    }

    private mutating func appendRow(
        _ row: LayoutDocument.Row,
        section: Int,
        at rowPath: String,
        categoryIndexByID: [String: Int]
    ) throws(LayoutError) {
        guard !row.seats.isEmpty else { throw LayoutError(path: "\(rowPath).seats", problem: .empty) }
        let firstSeat = seatLabels.count
        // Seats are indexed left to right whatever order the export lists them in.
        let seatsLeftToRight = row.seats.enumerated().sorted { ($0.element.x, $0.offset) < ($1.element.x, $1.offset) }
        var previousX: Int?
        for (documentIndex, seat) in seatsLeftToRight {
            let seatPath = "\(rowPath).seats[\(Self.name(seat.label, documentIndex))]"
            try Self.checkLabel(seat.label, at: seatPath)
            guard previousX != seat.x else { throw LayoutError(path: seatPath, problem: .duplicatePosition(x: seat.x)) }
            guard Int32(exactly: seat.x) != nil else {
                throw LayoutError(path: seatPath, problem: .positionOutOfRange(x: seat.x))
            }
            previousX = seat.x
            guard let category = categoryIndexByID[seat.category] else {
                throw LayoutError(path: seatPath, problem: .unknownCategory(seat.category))
            }
            if let rank = seat.rank, rank < 0 || rank > Int(UInt32.max) {
                throw LayoutError(path: seatPath, problem: .rankOutOfRange(rank))
            }
            let index = SeatIndex(seatLabels.count)
            guard seatIndexByLabel.updateValue(index, forKey: seat.label) == nil else {
                throw LayoutError(path: seatPath, problem: .duplicateLabel(seat.label))
            }
            seatLabels.append(seat.label)
            seatX.append(Int32(seat.x))
            seatRow.append(UInt32(rows.count))
            seatRank.append(seat.rank.map { UInt32($0) } ?? .max)
            seatCategory.append(UInt8(category))
            seatFlags.append(Set(seat.flags ?? []))
        }
        rows.append(
            SeatLayout.Row(
                section: section, label: row.label, y: row.y ?? rows.count,
                seats: firstSeat..<seatLabels.count, bestRank: 0))
    }

    /// Gives every seat without a rank one from its position, then records each row's best rank.
    private mutating func assignDefaultRanks(_ document: LayoutDocument) {
        let ys = rows.map(\.y)
        let xs = seatX.map { Int($0) }
        guard let minY = ys.min(), let maxY = ys.max(), let minX = xs.min(), let maxX = xs.max() else { return }
        let sweetSpotY2 = 2 * minY + (4 * (maxY - minY)) / 3
        let centreX2 = minX + maxX
        for (rowIndex, row) in rows.enumerated() {
            for seat in row.seats where seatRank[seat] == .max {
                let rowDistance = abs(2 * row.y - sweetSpotY2)
                let seatDistance = abs(2 * xs[seat] - centreX2)
                seatRank[seat] = UInt32(3 * rowDistance + seatDistance)
            }
            let best = seatRank[row.seats].min() ?? 0
            rows[rowIndex] = SeatLayout.Row(
                section: row.section, label: row.label, y: row.y, seats: row.seats, bestRank: best)
        }
    }

    private static func name(_ label: String, _ index: Int) -> String { label.isEmpty ? "\(index)" : label }

    private static func checkLabel(_ label: String, at path: String, allowLong: Bool = false) throws(LayoutError) {
        guard !label.isEmpty else { throw LayoutError(path: path, problem: .empty) }
        let limit = allowLong ? 4 * InventoryLimits.labelBytesMax : InventoryLimits.labelBytesMax
        guard label.utf8.count <= limit else {
            throw LayoutError(path: path, problem: .tooLong(bytes: label.utf8.count, limit: limit))
        }
    }

    private static func checkCount(_ count: Int, limit: Int, at path: String) throws(LayoutError) {
        guard count > 0 else { throw LayoutError(path: path, problem: .empty) }
        guard count <= limit else { throw LayoutError(path: path, problem: .tooMany(count: count, limit: limit)) }
    }
}
