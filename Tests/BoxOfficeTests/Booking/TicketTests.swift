import Booking
import BoxOfficeApp
import Foundation
import HummingbirdTesting
import Payments
import SeatTestSupport
import Testing

@Suite("E-tickets: a page and a QR code a real scanner reads", .timeLimit(.minutes(3)))
struct TicketTests {
    /// Reads `symbol` with zbarimg (Debian's zbar-tools), as a theatre's scanner would: drawn
    /// as a greyscale image, four pixels a module, inside the quiet zone.
    static func scan(_ symbol: QRSymbol) async throws -> String {
        let scale = 4
        let side = (symbol.width + 8) * scale
        var image = Array("P5\n\(side) \(side)\n255\n".utf8)
        for y in 0..<side {
            for x in 0..<side {
                let (row, column) = (y / scale - 4, x / scale - 4)
                let isDark = (0..<symbol.width).contains(row) && (0..<symbol.width).contains(column)
                    && symbol.isDark(row: row, column: column)
                image.append(isDark ? 0 : 255)
            }
        }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/ticket.pgm"
        try Data(image).write(to: URL(fileURLWithPath: path))
        let process = try ChildProcess(["/usr/bin/zbarimg", "--quiet", "--raw", path], output: directory.path + "/scanned")
        #expect(try await process.exitStatus(within: .seconds(30)) == 0)
        let data = try Data(contentsOf: URL(fileURLWithPath: directory.path + "/scanned"))
        // Standard error shares the file, where zbar's image loader may complain that there is no
        // D-Bus here; the decoded text is the last line.
        return String(decoding: data, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
    }

    @Test func theCodeScansBackToItsText() async throws {
        let text = "BOXOFFICE-TICKET:7K3M9QX2ZP4A"
        let symbol = try QRSymbol(encoding: text)
        #expect(symbol.width >= 21 && (symbol.width - 17) % 4 == 0)
        #expect(try await Self.scan(symbol) == text)
        let svg = symbol.svg(title: "a <title>")
        #expect(svg.contains("<title>a &lt;title&gt;</title>"))
        #expect(svg.components(separatedBy: "h1v1h-1z").count - 1 == symbol.modules.filter { $0 }.count)
    }

    @Test func aConfirmedBookingHasATicketPageOnlyItsOwnerSees() async throws {
        try await Harness.withAppAndSeatd(.sqlite) { client, components, _ in
            let steps = BookingSteps(client: client, components: components)
            let (showtime, adminToken) = try await SeatMapTests.scheduleShowtime(client, components)
            let renamed = try await client.request(.patch, "/api/v1/theatres/pvr-pune", token: adminToken,
                                                   json: #"{"name":"Rex <b>&</b>"}"#)
            #expect(renamed.status == .ok, "\(renamed.text)")
            let (token, _) = try await steps.customer("asha@example.com")
            let order = try await steps.held(showtime, seats: ["F1", "F2"], token: token)
            let notYet = try await client.request(.get, "/api/v1/orders/\(order.id)/ticket", token: token)
            #expect(try notYet.status == .conflict && (notYet.problem().code) == "no_ticket")
            let confirmed: BookingSteps.Order = try await steps.pay(order, card: SandboxCard.success.rawValue, token: token).json()
            let code = try #require(confirmed.bookingCode)

            let page = try await client.request(.get, "/api/v1/orders/\(order.id)/ticket", token: token)
            #expect(page.status == .ok && page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.headers[.cacheControl] == "private, no-store")
            #expect(page.text.contains("Rex &lt;b&gt;&amp;&lt;/b&gt;") && !page.text.contains("<b>&</b>"))
            #expect(page.text.contains("F1, F2") && page.text.contains(code) && page.text.contains("₹500.00"))
            #expect(page.text.contains("<svg"))

            let image = try await client.request(.get, "/api/v1/orders/\(order.id)/ticket/code.svg", token: token)
            #expect(image.status == .ok && image.headers[.contentType] == "image/svg+xml")
            #expect(try await Self.scan(try QRSymbol(encoding: "BOXOFFICE-TICKET:\(code)")) == "BOXOFFICE-TICKET:\(code)")
            #expect(image.text == (try QRSymbol(encoding: "BOXOFFICE-TICKET:\(code)")).svg(title: "Ticket code \(code)"))

            let (other, _) = try await steps.customer("ravi@example.com")
            #expect(try await client.request(.get, "/api/v1/orders/\(order.id)/ticket", token: other).status == .notFound)
        }
    }
}
