import Booking
import BoxOfficeEdge
import Catalog
import Foundation
import Hummingbird
import Payments

/// A showtime's seats: the map to pick from (by pointer or keyboard), best available for a
/// number of seats, and the hold that starts an order.
struct SeatSelectionPage: Sendable {
    typealias Context = WebRequestContext
    let renderer: PageRenderer
    let catalog: CatalogService
    let booking: BookingService

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("showtimes/{showtimeId}", use: page)
        group.post("showtimes/{showtimeId}/hold", use: hold)
    }

    struct Content: Sendable {
        let showtimeID: String
        let movieID: String
        let movieTitle: String
        let theatreID: String
        let theatreName: String
        let startsAt: String
        let details: String
        let categories: [CategoryView]
        let seatMap: String?
        let seatsMax: Int
        let counts: [Int]
        let currency: String
        let freeSeats: Int
        let isSoldOut: Bool
        let error: ErrorView?
    }

    struct CategoryView: Sendable {
        let index: Int
        let id: String
        let name: String
        let price: String
        let priceMinor: Int64
    }

    @Sendable func page(_ request: Request, context: Context) async throws -> Response {
        try await render(showtimeID: try showtimeID(context), context: context, error: nil)
    }

    func render(showtimeID: String, context: Context, error: ErrorView?) async throws -> Response {
        let (seating, reading) = try await catalog.liveSeats(showtimeID: showtimeID)
        let showtime = seating.showtime
        let theatre = try await catalog.theatre(id: showtime.theatreId)
        let title = catalog.movies(ids: [showtime.movieId])[showtime.movieId]?.title ?? "Film"
        let clock = LocalTime(zoneIdentifier: theatre.timeZone)
        let availability = reading.availability
        let drawing = SeatMapDrawing(
            layout: seating.layout, state: { $0 < availability.seatCount ? availability.state(of: $0) : .blocked },
            prices: showtime.prices, currency: showtime.currency)
        let free = drawing.seats.count { $0.state == .free }
        let seatsMax = booking.configuration.seatsPerOrderMax
        let content = Content(
            showtimeID: showtime.id, movieID: showtime.movieId, movieTitle: title, theatreID: theatre.id, theatreName: theatre.name,
            startsAt: clock.full(showtime.startsAt), details: "\(showtime.format) · \(showtime.language)",
            categories: drawing.categories.enumerated().compactMap { index, category in
                category.price.map {
                    CategoryView(index: index, id: category.id, name: category.name, price: $0.formatted, priceMinor: $0.amountMinor)
                }
            },
            seatMap: seating.layout.seatCount <= SeatMapDrawing.seatsDrawnMax
                ? drawing.svg(title: "Seats for \(title), \(clock.full(showtime.startsAt))", refused: Set(error?.refusedSeats ?? []))
                : nil,
            seatsMax: seatsMax, counts: Array(1...seatsMax), currency: showtime.currency, freeSeats: free, isSoldOut: free == 0,
            error: error)
        return renderer.render("showtime", title: "\(title) · choose seats", content: content, context: context,
                               status: error?.status ?? .ok, scripts: ["seatmap.js"])
    }

    struct HoldForm: Decodable {
        /// Seat labels, comma-separated (the map's selection).
        var seats: String?
        var count: Int?
        var category: String?
        var accessible: String?
    }

    @Sendable func hold(_ request: Request, context: Context) async throws -> Response {
        let showtimeID = try showtimeID(context)
        let identity = try context.signedIn(returnTo: "/showtimes/\(showtimeID)")
        var request = request
        let form = try await request.form(HoldForm.self, context: context)
        do {
            let selection: SeatSelection
            if let labels = form.seats?.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }).filter({ !$0.isEmpty }),
               !labels.isEmpty {
                let seating = try await catalog.seating(showtimeID: showtimeID)
                guard labels.count <= booking.configuration.seatsPerOrderMax else {
                    throw BookingError.invalidField("/seats", "choose at most \(booking.configuration.seatsPerOrderMax) seats")
                }
                selection = .seats(try SeatLabels.resolve(labels, in: seating.layout))
            } else if let count = form.count {
                let category = form.category.flatMap { $0.isEmpty ? nil : $0 }
                selection = .bestAvailable(count: count, category: category, accessible: form.accessible == "on")
            } else {
                throw WebError.invalidForm("Choose seats on the map, or a number of seats.")
            }
            let order = try await booking.placeOrder(owner: .user(identity.subject), showtimeID: showtimeID, selection: selection)
            return PageRenderer.redirect(to: "/orders/\(order.id)")
        } catch let error where ErrorView.isShownOnPage(error) {
            return try await render(showtimeID: showtimeID, context: context, error: ErrorView(error, context: context))
        }
    }

    private func showtimeID(_ context: Context) throws -> String {
        let id = try context.parameters.require("showtimeId")
        guard Identifiers.isGenerated(id) else { throw CatalogError.showtimeNotFound }
        return id
    }
}

/// A refusal shown on the page that caused it (the seats someone else took, a declined card),
/// with the problem's title, detail and each field's message.
struct ErrorView: Sendable {
    let status: HTTPResponse.Status
    let title: String
    let detail: String?
    let messages: [String]
    /// The seats the seat server refused, marked on the map beside the message.
    let refusedSeats: [String]

    init(_ error: any Error, context: some RequestContext) {
        let problem = ProblemMiddleware.problem(for: error, context: context)
        status = problem.status
        title = problem.title
        detail = problem.detail
        messages = problem.errors.map(\.message)
        if case BookingError.seatsRefused(_, _, let seats) = error { refusedSeats = seats } else { refusedSeats = [] }
    }

    /// Errors a person can act on where they are (choose other seats, another card); others
    /// (a missing showtime, the seat server down) get the error page.
    static func isShownOnPage(_ error: any Error) -> Bool {
        switch error {
        case BookingError.orderNotFound, BookingError.showtimeNotFound: return false
        case is BookingError: return true
        case WebError.signInRequired: return false
        case is WebError: return true
        default: return false
        }
    }
}

extension Request {
    /// The posted form (`application/x-www-form-urlencoded`), decoded; a malformed one is a 400
    /// naming nothing internal. (The CSRF middleware has already collected the body.)
    mutating func form<Form: Decodable>(_ type: Form.Type, context: WebRequestContext) async throws -> Form {
        let body = try await collectBody(upTo: WebRequestContext.formBytesMax(forPath: uri.path))
        do {
            return try URLEncodedFormDecoder().decode(Form.self, from: String(buffer: body))
        } catch {
            throw WebError.invalidForm("The form was incomplete or malformed; please fill it in again.")
        }
    }
}
