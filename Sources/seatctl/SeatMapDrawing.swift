import SeatInventory
import SeatProtocol

/// A show's seats as terminal text: one line per row, seats at their positions, aisles as gaps.
/// `.` free, `h` held, `X` sold, `#` blocked; rows of a large venue beyond ``rowsShownMax`` are summarised.
struct SeatMapDrawing {
    static let rowsShownMax = 40
    let layout: SeatLayout
    let availability: AvailabilityReply

    var text: String {
        let counts = availability.counts
        var lines = [
            "\(layout.name): \(counts.free) free, \(counts.held) held, \(counts.sold) sold, \(counts.blocked) blocked"
                + (availability.isCancelled ? " (cancelled)" : "")
        ]
        for category in availability.categories {
            lines.append("  \(category.id): \(category.counts.free) free of \(category.counts.free + category.counts.held + category.counts.sold)")
        }
        lines.append("")
        for row in layout.rows.prefix(Self.rowsShownMax) {
            var line = row.label.padding(4)
            var previousX: Int?
            for seat in row.seats {
                let x = layout.position(of: SeatIndex(seat)).x
                if let previousX, x > previousX + 1 { line += String(repeating: " ", count: x - previousX - 1) }
                line += symbol(seat)
                previousX = x
            }
            lines.append(line)
        }
        if layout.rows.count > Self.rowsShownMax {
            lines.append("… \(layout.rows.count - Self.rowsShownMax) more rows")
        }
        lines.append("")
        lines.append(". free   h held   X sold   # blocked")
        return lines.joined(separator: "\n")
    }

    private func symbol(_ seat: Int) -> String {
        func bit(_ words: [UInt64]) -> Bool { words[seat >> 6] & (1 << UInt64(seat & 63)) != 0 }
        if bit(availability.blocked) { return "#" }
        if bit(availability.sold) { return "X" }
        return bit(availability.taken) ? "h" : "."
    }
}
