import Booking
import Catalog
import Foundation

/// Seats sold over time as an SVG step chart: from the first sale to now, how many seats were
/// sold (and are still sold) by each moment, against the showtime's capacity. A value from the
/// sales, tested without a server.
struct SalesChart: Sendable {
    static let width = 640
    static let height = 240
    static let margin = (left: 48, right: 16, top: 16, bottom: 32)

    struct Step: Sendable, Equatable {
        var x: Int
        var y: Int
    }

    let steps: [Step]
    let capacity: Int
    let sold: Int
    let from: Date
    let until: Date

    /// - Parameter sales: each sale's time and seats, in any order.
    init(sales: [(at: Date, seats: Int)], capacity: Int, until: Date) {
        let ordered = sales.sorted { $0.at < $1.at }
        self.capacity = max(1, capacity)
        self.until = until
        from = ordered.first?.at ?? until
        sold = ordered.reduce(0) { $0 + $1.seats }
        let plotWidth = Double(Self.width - Self.margin.left - Self.margin.right)
        let plotHeight = Double(Self.height - Self.margin.top - Self.margin.bottom)
        let span = max(1, until.timeIntervalSince(from))
        var total = 0
        var steps = [Step(x: Self.margin.left, y: Self.height - Self.margin.bottom)]
        for sale in ordered {
            let x = Self.margin.left + Int((sale.at.timeIntervalSince(from) / span * plotWidth).rounded())
            steps.append(Step(x: x, y: steps.last!.y))
            total += sale.seats
            steps.append(Step(x: x, y: Self.height - Self.margin.bottom - Int((Double(total) / Double(self.capacity) * plotHeight).rounded())))
        }
        steps.append(Step(x: Self.width - Self.margin.right, y: steps.last!.y))
        self.steps = steps
    }

    func svg(title: String, clock: LocalTime) -> String {
        let escape = HTML.escape
        let points = steps.map { "\($0.x),\($0.y)" }.joined(separator: " ")
        let bottom = Self.height - Self.margin.bottom, right = Self.width - Self.margin.right
        return """
        <svg class="sales-chart" viewBox="0 0 \(Self.width) \(Self.height)" role="img" aria-labelledby="sales-chart-title">\
        <title id="sales-chart-title">\(escape(title)): \(sold) of \(capacity) seats sold</title>\
        <line class="axis" x1="\(Self.margin.left)" y1="\(Self.margin.top)" x2="\(Self.margin.left)" y2="\(bottom)"/>\
        <line class="axis" x1="\(Self.margin.left)" y1="\(bottom)" x2="\(right)" y2="\(bottom)"/>\
        <text class="tick" x="\(Self.margin.left - 6)" y="\(Self.margin.top + 4)" text-anchor="end">\(capacity)</text>\
        <text class="tick" x="\(Self.margin.left - 6)" y="\(bottom)" text-anchor="end">0</text>\
        <text class="tick" x="\(Self.margin.left)" y="\(Self.height - 8)">\(escape(clock.day(from) + " " + clock.time(from)))</text>\
        <text class="tick" x="\(right)" y="\(Self.height - 8)" text-anchor="end">\(escape(clock.day(until) + " " + clock.time(until)))</text>\
        <polyline class="sold" points="\(points)"/>\
        </svg>
        """
    }
}
