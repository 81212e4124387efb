import Catalog
import Foundation
import Payments
import SeatInventory
import SeatMaps
import SeatProtocol
import SeatSamples
import Testing
@testable import WebUI

@Suite("The web UI's pure parts: the seat map's drawing, its live events, money and redirects")
struct WebPartsTests {
    static let layout = try! SeatLayout(document: SampleVenues.cinema())

    static func availability(seats: Int, held: Set<Int> = [], sold: Set<Int> = [], sequence: UInt64) -> SeatAvailability {
        func bitmap(_ seats: Set<Int>) -> [UInt64] {
            var words = [UInt64](repeating: 0, count: 5)
            for seat in seats { words[seat / 64] |= 1 << (seat % 64) }
            return words
        }
        let reply = AvailabilityReply(
            show: 1, isCancelled: false, seatCount: UInt32(seats), counts: .init(free: 0, held: 0, sold: 0, blocked: 0),
            categories: [], taken: bitmap(held.union(sold)), sold: bitmap(sold), blocked: bitmap([]))
        return SeatAvailability(snapshot: reply, sequence: sequence)
    }

    @Test func theMapDrawsEverySeatWhereTheLayoutPutsItWithItsStateAndCategory() throws {
        let availability = Self.availability(seats: 300, held: [10], sold: [11], sequence: 1)
        let drawing = SeatMapDrawing(
            layout: Self.layout, state: { availability.state(of: $0) }, prices: ["standard": 25_000], currency: "INR")
        #expect(drawing.seats.count == 300)
        let a1 = try #require(drawing.seats.first { $0.label == "A1" })
        let a2 = try #require(drawing.seats.first { $0.label == "A2" })
        let b1 = try #require(drawing.seats.first { $0.label == "B1" })
        #expect(a1.isAccessible && a1.state == .free)
        #expect(a2.x - a1.x == SeatMapDrawing.pitch && b1.y - a1.y == SeatMapDrawing.pitch && a1.x == b1.x)
        #expect(a1.description == "A1, Standard, ₹250.00, wheelchair space, free")
        #expect(drawing.seats.first { $0.index == 10 }?.state == .held)
        #expect(drawing.seats.first { $0.index == 11 }?.state == .sold)
        // The house seat, and a category this showtime does not sell, are not for sale.
        #expect(drawing.seats.first { $0.label == "F13" }?.state == .blocked)
        #expect(drawing.seats.first { $0.label == "L1" }.map { $0.state == .blocked && $0.description.hasSuffix("not for sale") } == true)
        // Seats A7 and A8 sit either side of an aisle one seat wide.
        let a6 = try #require(drawing.seats.first { $0.label == "A6" }), a7 = try #require(drawing.seats.first { $0.label == "A7" })
        #expect(a7.x - a6.x == 2 * SeatMapDrawing.pitch)
    }

    @Test func theSVGIsOneTabStopWithALabelledCheckboxPerSeatAndEscapesText() {
        let availability = Self.availability(seats: 300, held: [0, 1, 2, 3], sequence: 1)
        let drawing = SeatMapDrawing(
            layout: Self.layout, state: { availability.state(of: $0) }, prices: ["standard": 25_000, "premium": 40_000], currency: "INR")
        let svg = drawing.svg(title: "Seats for <Tom & Jerry>")
        #expect(svg.components(separatedBy: #"role="checkbox""#).count - 1 == 300)
        #expect(svg.components(separatedBy: #"tabindex="0""#).count - 1 == 1)
        // The tab stop is the first free seat (A1 to A4 are held).
        #expect(svg.contains(#"data-label="A5" role="checkbox" aria-checked="false" tabindex="0""#))
        #expect(svg.contains("<title id=\"seatmap-title\">Seats for &lt;Tom &amp; Jerry&gt;</title>"))
        #expect(!svg.contains("<Tom"))
        #expect(svg.components(separatedBy: #"aria-disabled="true""#).count - 1 == 5)  // 4 held and the house seat
    }

    @Test func liveEventsSendEverySeatFirstThenOnlyChangesAndEverySeatAgainWhenShorter() {
        var events = LiveSeatEvents()
        let first = events.event(for: Self.availability(seats: 300, sequence: 7), id: "v7") ?? ""
        #expect(first.hasPrefix("retry: 3000\nevent: seats\nid: v7\ndata: {\"availability\":\"fff"))
        let unchanged = events.event(for: Self.availability(seats: 300, sequence: 7), id: "v7")
        #expect(unchanged == nil)
        let change = events.event(for: Self.availability(seats: 300, held: [3], sold: [200], sequence: 9), id: "v9")
        #expect(change == "event: change\nid: v9\ndata: {\"seats\":[[3,\"h\"],[200,\"s\"]]}\n\n")
        let many = events.event(
            for: Self.availability(seats: 300, held: Set(0..<(LiveSeatEvents.changesListedMax + 2)), sequence: 10), id: "v10")
        #expect(many?.hasPrefix("event: seats\nid: v10\n") == true)
    }

    @Test func aResumedStreamStartsFromTheSeatsThePageHas() {
        var before = LiveSeatEvents()
        _ = before.event(for: Self.availability(seats: 300, held: [3], sequence: 4), id: "v4")
        var resumed = LiveSeatEvents(resumingFrom: before.sent)
        #expect(resumed.event(for: Self.availability(seats: 300, held: [3], sequence: 4), id: "v4") == nil)
        #expect(resumed.event(for: Self.availability(seats: 300, held: [3, 4], sequence: 5), id: "v5")
            == "event: change\nid: v5\ndata: {\"seats\":[[4,\"h\"]]}\n\n")
        // Seats of another size (a different layout) are not a base to resume from.
        var mismatched = LiveSeatEvents(resumingFrom: [UInt8](repeating: UInt8(ascii: "f"), count: 10))
        #expect(mismatched.event(for: Self.availability(seats: 300, sequence: 5), id: "v5")?.contains("event: seats") == true)
    }

    @Test func recentSeatMapsKeepTheNewestUpToTheirLimit() {
        let recent = RecentSeatMaps()
        for version in 0..<(RecentSeatMaps.entriesMax + 10) { recent.keep([UInt8(version % 256)], id: "v\(version)") }
        #expect(recent.count == RecentSeatMaps.entriesMax)
        #expect(recent.codes(id: "v0") == nil && recent.codes(id: "v9") == nil)
        #expect(recent.codes(id: "v10") == [10] && recent.codes(id: "v\(RecentSeatMaps.entriesMax + 9)") != nil)
        // The same id kept twice is one entry, the first one.
        recent.keep([99], id: "v10")
        #expect(recent.codes(id: "v10") == [10] && recent.count == RecentSeatMaps.entriesMax)
    }

    @Test(arguments: [
        (Money(125_050, "INR"), "₹1,250.50"), (Money(950, "EUR"), "€9.50"), (Money(1_200, "JPY"), "¥1,200"),
        (Money(1_234_567, "KWD"), "KWD 1,234.567"), (Money(-500, "USD"), "−$5.00"), (Money(5, "CHF"), "CHF 0.05"),
        (Money(0, "GBP"), "£0.00"), (Money(100_000_000, "INR"), "₹1,000,000.00"),
    ])
    func moneyReadsAsPeopleWriteIt(money: Money, text: String) {
        #expect(money.formatted == text)
    }

    @Test func afterSigningInOnlyAPathOnThisSiteIsFollowed() {
        #expect(AccountPages.next("/showtimes/abc") == "/showtimes/abc")
        for hostile in ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", nil, "", "/a b"] {
            #expect(AccountPages.next(hostile) == "/")
        }
    }

    @Test func formsAreAcceptedFromThisSiteOnly() {
        #expect(CSRFMiddleware.isSameOrigin("http://127.0.0.1:8080", host: "127.0.0.1:8080"))
        #expect(CSRFMiddleware.isSameOrigin("https://tickets.example", host: "tickets.example"))
        #expect(!CSRFMiddleware.isSameOrigin("https://evil.example", host: "tickets.example"))
        #expect(!CSRFMiddleware.isSameOrigin("null", host: "tickets.example"))
        #expect(!CSRFMiddleware.isSameOrigin("http://127.0.0.1:8080", host: nil))
        let token = CSRFMiddleware.generate()
        #expect(token.utf8.count == CSRFMiddleware.tokenLength && token != CSRFMiddleware.generate())
        #expect(CSRFMiddleware.constantTimeEqual(token, token) && !CSRFMiddleware.constantTimeEqual(token, CSRFMiddleware.generate()))
        #expect(!CSRFMiddleware.constantTimeEqual(token, String(token.dropLast())))
    }

    @Test func timesReadAsTheTheatresClockShowsThem() {
        // 2026-12-04 14:00 UTC is 19:30 in Kolkata and 06:00 in Los Angeles; six hours later it is the 5th in Kolkata.
        let date = Date(timeIntervalSince1970: 1_796_392_800)
        let kolkata = LocalTime(zoneIdentifier: "Asia/Kolkata")
        #expect(kolkata.time(date) == "19:30" && kolkata.day(date) == "Fri 4 Dec" && kolkata.dayKey(date) == "2026-12-04")
        #expect(kolkata.full(date) == "Friday 4 December 2026, 19:30")
        let losAngeles = LocalTime(zoneIdentifier: "America/Los_Angeles")
        #expect(losAngeles.full(date) == "Friday 4 December 2026, 06:00")
        let later = date.addingTimeInterval(6 * 3600)
        #expect(kolkata.dayKey(later) == "2026-12-05" && kolkata.day(later) == "Sat 5 Dec" && losAngeles.dayKey(later) == "2026-12-04")
        #expect(LocalTime(zoneIdentifier: "Not/A_Zone").time(date) == "14:00")
        #expect(LocalTime(zoneIdentifier: "UTC").time(Date(timeIntervalSince1970: 1_796_392_800 - 14 * 3600)) == "00:00")
    }

    @Test func percentagesReadWithoutNeedlessDigits() {
        #expect("\(Percent(1_000))" == "10 %")
        #expect("\(Percent(1_250))" == "12.5 %")
        #expect("\(Percent(1_205))" == "12.05 %")
        #expect("\(Percent(0))" == "0 %")
    }
}

@Suite("The staff pages' pure parts: the sales chart and prices typed in major units")
struct StaffPartsTests {
    @Test func theChartStepsUpAtEachSaleInTimeOrderAgainstCapacity() {
        let start = Date(timeIntervalSince1970: 1_000_000)
        let chart = SalesChart(
            sales: [(start.addingTimeInterval(50), 2), (start, 1), (start.addingTimeInterval(100), 1)], capacity: 4,
            until: start.addingTimeInterval(100))
        let bottom = SalesChart.height - SalesChart.margin.bottom
        let plot = SalesChart.height - SalesChart.margin.top - SalesChart.margin.bottom
        #expect(chart.sold == 4)
        // Up one seat at the start, two more half-way, the last at the end: a quarter, three quarters, full.
        #expect(chart.steps.map(\.y) == [bottom, bottom, bottom - plot / 4, bottom - plot / 4, bottom - 3 * plot / 4,
                                         bottom - 3 * plot / 4, bottom - plot, bottom - plot])
        #expect(chart.steps.map(\.x) == chart.steps.map(\.x).sorted())
        let svg = chart.svg(title: "Seats sold for <Heat>", clock: LocalTime(zoneIdentifier: "UTC"))
        #expect(svg.contains("Seats sold for &lt;Heat&gt;: 4 of 4 seats sold"))
    }

    @Test func aChartWithoutSalesIsAFlatLine() {
        let now = Date()
        let chart = SalesChart(sales: [], capacity: 300, until: now)
        #expect(chart.sold == 0 && Set(chart.steps.map(\.y)).count == 1)
    }

    @Test func pricesAreReadExactlyInTheCurrencysMinorUnits() throws {
        #expect(try StaffPages.prices("standard=250\npremium = 400.5\n", currency: "INR") == ["standard": 25_000, "premium": 40_050])
        #expect(try StaffPages.prices("standard=1200", currency: "JPY") == ["standard": 1_200])
        #expect(try StaffPages.prices("standard=1.234", currency: "KWD") == ["standard": 1_234])
        for bad in ["standard", "standard=2.505", "standard=-1", "standard=1e3", "=5", "standard=99999999999999999999"] {
            #expect(throws: WebError.self) { try StaffPages.prices(bad, currency: "INR") }
        }
    }
}

@Suite("A layout read for a screen's preview: faults said at their place in the document")
struct LayoutImportTests {
    static func layout(rows: String) -> String {
        #"{"id":"s","name":"S","categories":[{"id":"standard","name":"Standard"}],"sections":[{"id":"a","name":"A","rows":[\#(rows)]}]}"#
    }

    @Test func aValidLayoutIsDrawnWithEverySeatFreeByCategory() throws {
        let json = Self.layout(rows: #"{"label":"A","y":0,"seats":[{"label":"A1","x":0,"category":"standard"},{"label":"A2","x":1,"category":"standard","flags":["blocked"]}]}"#)
        let layout = try LayoutImport.read(json).get()
        let drawing = SeatMapDrawing(layout: layout, state: { _ in .free }, prices: nil, currency: "")
        #expect(drawing.seats.map(\.state) == [.free, .blocked])
        #expect(drawing.seats[0].description == "A1, Standard, free")
    }

    @Test(arguments: [
        (#"{"label":"A","y":0}"#, #"sections[0].rows[0]: missing "seats""#),
        (#"{"label":"A","y":"zero","seats":[]}"#, "sections[0].rows[0].y: expected a whole number"),
        (#"{"label":"A","y":0,"seats":[{"label":"A1","x":0,"category":"gold"}]}"#, "unknown category"),
        (#"{"label":"A","y":0,"seats":[{"label":"A1","x":0,"category":"standard"},{"label":"A1","x":1,"category":"standard"}]}"#,
         #""A1" is used twice"#),
    ])
    func faultsAreNamedWhereTheyAre(rows: String, expected: String) {
        guard case .failure(let fault) = LayoutImport.read(Self.layout(rows: rows)) else {
            Issue.record("accepted a faulty layout")
            return
        }
        #expect(fault.message.contains(expected), "\(fault.message)")
    }

    @Test func somethingThatIsNotJSONSaysSo() {
        guard case .failure(let fault) = LayoutImport.read("{not json") else {
            Issue.record("accepted something that is not JSON")
            return
        }
        #expect(fault.message == "This is not valid JSON.")
    }
}

@Suite("Refused seats marked on the map")
struct RefusedSeatTests {
    @Test func refusedSeatsAreOutlinedAndDescribedByTheMessage() {
        let layout = WebPartsTests.layout
        let drawing = SeatMapDrawing(layout: layout, state: { _ in .free }, prices: ["standard": 100], currency: "INR")
        let svg = drawing.svg(title: "t", refused: ["D2", "D3"])
        #expect(svg.components(separatedBy: #"aria-describedby="hold-error""#).count - 1 == 2)
        #expect(svg.contains(#"class="seat free c0 refused" x="#))
    }
}
