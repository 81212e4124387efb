import SeatInventory
import SeatProtocol

/// A show's seats as terminal text: the screen's side on top, a ruler of column numbers, one
/// line per row with seats at their positions and aisles as gaps. A free seat shows its
/// category (`.` the first, `o` the second, ...), `h` held, `X` sold, `#` blocked; rows of a
/// large venue beyond ``rowsShownMax`` are summarised.
struct SeatMapDrawing {
    static let rowsShownMax = 40
    static let freeSymbols: [Character] = [".", "o", "+", "~", "*", "=", "%", "&"]
    static let labelWidth = 5
    let layout: SeatLayout
    let availability: AvailabilityReply

    var text: String {
        let counts = availability.counts
        var lines = [
            "\(layout.name): \(counts.free) free, \(counts.held) held, \(counts.sold) sold, \(counts.blocked) blocked"
                + (availability.isCancelled ? " (cancelled)" : "")
        ]
        for category in availability.categories {
            let total = category.counts.free + category.counts.held + category.counts.sold
            lines.append("  \(category.id): \(category.counts.free) free of \(total)")
        }
        lines.append("")
        let rows = layout.rows.sorted { $0.y < $1.y }.prefix(Self.rowsShownMax)
        let xs = rows.flatMap { row in row.seats.map { layout.position(of: SeatIndex($0)).x } }
        guard let minX = xs.min(), let maxX = xs.max() else { return lines.joined(separator: "\n") }
        let width = maxX - minX + 1
        lines.append(String(repeating: " ", count: Self.labelWidth) + Self.screen(width: width))
        lines.append(String(repeating: " ", count: Self.labelWidth) + Self.ruler(width: width))
        for row in rows {
            var line = Array(String(repeating: " ", count: width))
            for seat in row.seats { line[layout.position(of: SeatIndex(seat)).x - minX] = symbol(seat) }
            lines.append(row.label.padding(Self.labelWidth) + String(line))
        }
        if layout.rows.count > Self.rowsShownMax {
            lines.append("… \(layout.rows.count - Self.rowsShownMax) more rows")
        }
        lines.append("")
        let free = layout.categories.enumerated().map { index, category in
            "\(Self.freeSymbols[index % Self.freeSymbols.count]) \(category.id)"
        }
        lines.append((free + ["h held", "X sold", "# blocked"]).joined(separator: "   "))
        return lines.joined(separator: "\n")
    }

    /// The screen's side, across the width of the seats: rows are drawn from the screen back.
    static func screen(width: Int) -> String {
        let title = " screen "
        guard width > title.count + 2 else { return String(title.dropFirst().dropLast()) }
        let side = (width - title.count) / 2
        return String(repeating: "-", count: side) + title + String(repeating: "-", count: width - side - title.count)
    }

    /// Column numbers (positions counted from 1): 1, then every fifth, above the column they number.
    static func ruler(width: Int) -> String {
        var ruler = Array(String(repeating: " ", count: width))
        for column in [1] + Array(stride(from: 5, through: width, by: 5)) {
            let number = Array(String(column))
            guard column - 1 + number.count <= width else { break }
            for (offset, digit) in number.enumerated() { ruler[column - 1 + offset] = digit }
        }
        return String(ruler)
    }

    private func symbol(_ seat: Int) -> Character {
        func bit(_ words: [UInt64]) -> Bool { words[seat >> 6] & (1 << UInt64(seat & 63)) != 0 }
        if bit(availability.blocked) { return "#" }
        if bit(availability.sold) { return "X" }
        if bit(availability.taken) { return "h" }
        return Self.freeSymbols[layout.category(of: SeatIndex(seat)) % Self.freeSymbols.count]
    }
}
