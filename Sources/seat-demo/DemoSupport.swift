import Foundation
import SeatInventory

struct DemoOptions {
    var seconds = 20
    var customers = 6

    init(arguments: [String]) {
        var remaining = arguments.dropFirst()[...]
        while let flag = remaining.popFirst() {
            let value = remaining.popFirst().flatMap(Int.init)
            switch (flag, value) {
            case ("--seconds", .some(let value)) where value > 0: seconds = min(value, 3600)
            case ("--customers", .some(let value)) where value > 0: customers = min(value, 64)
            default:
                print("usage: seat-demo [--seconds 1...3600] [--customers 1...64]")
                exit(2)
            }
        }
    }
}

struct DemoTally {
    var confirmed = 0
    var abandoned = 0
    var lateToPay = 0
    var refusals: [String: Int] = [:]
}

/// Draws a show's seat map row by row, screen at the top, aisles as gaps.
struct SeatMapRenderer {
    let layout: SeatLayout
    let map: SeatMap
    let colours: Bool

    func render() -> String {
        var lines = ["          " + String(repeating: "━", count: 27) + " SCREEN"]
        for row in layout.rows {
            var line = "  \(row.label.padding(toLength: 3, withPad: " ", startingAt: 0)) "
            var previousX: Int?
            for seat in row.seats.map(SeatIndex.init) {
                let x = layout.position(of: seat).x
                if let previousX, x > previousX + 1 { line += String(repeating: " ", count: x - previousX - 1) }
                line += glyph(map.state(of: seat))
                previousX = x
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    private func glyph(_ state: SeatState) -> String {
        let (plain, colour): (String, String) = switch state {
        case .free: ("·", "32")
        case .held: ("h", "33")
        case .sold: ("■", "31")
        case .blocked: ("x", "90")
        }
        return colours ? "\u{1B}[\(colour)m\(plain)\u{1B}[0m" : plain
    }
}
