import Catalog
import Foundation
import Hummingbird
import NIOCore
import Payments

/// The e-ticket as a page that works on a phone and prints on paper: the film, the time in the
/// theatre's zone, the theatre, the seats, the booking code and its QR code. Every value from
/// the catalog or the order is escaped.
enum TicketPage {
    static func html(_ ticket: Ticket) -> String {
        let clock = LocalTime(zoneIdentifier: ticket.theatre.timeZone)
        let order = ticket.order
        let seats = order.seats.map(\.label).joined(separator: ", ")
        let paid = order.price.map(\.total.formatted) ?? ""
        let e = HTML.escape
        return """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Ticket \(e(order.bookingCode ?? "")) · \(e(ticket.movieTitle))</title>
        <style>
        body { font: 16px/1.4 system-ui, sans-serif; margin: 0; padding: 1rem; background: #f4f4f4; }
        main { max-width: 26rem; margin: auto; background: #fff; border-radius: 12px; padding: 1.25rem; }
        h1 { font-size: 1.4rem; margin: 0 0 .5rem; }
        dl { display: grid; grid-template-columns: auto 1fr; gap: .25rem .75rem; margin: 1rem 0; }
        dt { color: #555; } dd { margin: 0; font-weight: 600; }
        .code { font: 700 1.3rem/1 ui-monospace, monospace; letter-spacing: .1em; text-align: center; }
        svg { display: block; width: 100%; max-width: 18rem; margin: 1rem auto; }
        @media print { body { background: #fff; } }
        </style>
        </head>
        <body>
        <main>
        <h1>\(e(ticket.movieTitle))</h1>
        <dl>
        <dt>When</dt><dd><time datetime="\(e(order.showtimeStartsAt.formatted(.iso8601)))">\(e(clock.full(order.showtimeStartsAt)))</time></dd>
        <dt>Where</dt><dd>\(e(ticket.theatre.name)), \(e(ticket.theatre.address)), \(e(ticket.theatre.city))</dd>
        <dt>Seats</dt><dd>\(e(seats))</dd>
        <dt>Paid</dt><dd>\(e(paid))</dd>
        </dl>
        \(ticket.code.svg(title: "Ticket code \(order.bookingCode ?? "")"))
        <p class="code">\(e(order.bookingCode ?? ""))</p>
        </main>
        </body>
        </html>
        """
    }

    static func response(_ ticket: Ticket) -> Response {
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "private, no-store"],
                 body: .init(byteBuffer: ByteBuffer(string: html(ticket))))
    }
}
