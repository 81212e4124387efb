import Booking
import BoxOfficeEdge
import Catalog
import Foundation
import Hummingbird
import Payments

/// A theatre's pages for its staff (and admins): its screens and showtimes, scheduling a
/// showtime, each showtime's sales with a chart of seats sold over time, and cancelling a
/// showtime, after which the page follows its refunds. Anyone else is refused per theatre.
struct StaffPages: Sendable {
    typealias Context = WebRequestContext
    let renderer: PageRenderer
    let catalog: CatalogService
    let booking: BookingService

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("staff", use: theatres)
        group.get("staff/theatres/{theatreId}", use: theatre)
        group.post("staff/theatres/{theatreId}/showtimes", use: createShowtime)
        group.get("staff/theatres/{theatreId}/showtimes/{showtimeId}", use: showtime)
        group.post("staff/theatres/{theatreId}/showtimes/{showtimeId}/cancel", use: cancelShowtime)
        group.get("staff/theatres/{theatreId}/screens/new", use: newScreen)
        group.post("staff/theatres/{theatreId}/screens/preview", use: previewScreen)
        group.post("staff/theatres/{theatreId}/screens", use: createScreen)
    }

    // MARK: the theatres a person staffs

    struct TheatreList: Sendable {
        let theatres: [TheatreLink]
    }

    struct TheatreLink: Sendable {
        let id: String
        let name: String
        let city: String
    }

    @Sendable func theatres(_ request: Request, context: Context) async throws -> Response {
        let identity = try context.signedIn(returnTo: "/staff")
        let theatres = try await catalog.theatres(in: nil).filter { identity.isStaff(of: $0.id) }
        guard !theatres.isEmpty || identity.isAdmin else { throw WebError.forbidden("These pages are for theatre staff.") }
        let content = TheatreList(theatres: theatres.map { TheatreLink(id: $0.id, name: $0.name, city: $0.city) })
        return renderer.render("staff-theatres", title: "Your theatres", content: content, context: context)
    }

    // MARK: a theatre

    struct TheatrePage: Sendable {
        let id: String
        let name: String
        let screens: [ScreenView]
        let showtimes: [ShowtimeRow]
        let movies: [Option]
        let timeZone: String
        /// What was typed into the scheduling form, shown again when it was refused.
        let draft: Draft
        let error: ErrorView?
    }

    struct Draft: Sendable {
        var startsAt = ""
        var language = "English"
        var format = "2D"
        var currency = "INR"
        var prices = ""
    }

    struct ScreenView: Sendable {
        let id: String
        let name: String
        let seatCount: Int
        let categories: [Option]
        let selected: Bool
    }

    struct Option: Sendable {
        let id: String
        let name: String
        var selected = false
    }

    struct ShowtimeRow: Sendable {
        let id: String
        let theatreID: String
        let startsAt: String
        let movie: String
        let screen: String
        let details: String
    }

    @Sendable func theatre(_ request: Request, context: Context) async throws -> Response {
        try await renderTheatre(try theatreID(context), context: context, error: nil)
    }

    /// Upcoming showtimes listed on a theatre's page at most (the rest are a search away).
    static let showtimesListed = 200

    func renderTheatre(_ id: String, context: Context, error: ErrorView?, form: ShowtimeForm? = nil) async throws -> Response {
        let (theatre, screens, showtimes) = try await catalog.theatreSchedule(id: id)
        let clock = LocalTime(zoneIdentifier: theatre.timeZone)
        let movieIDs = Set(catalog.searchIndex.documents.map(\.movieID)).union(showtimes.map(\.movieId))
        let movies = catalog.movies(ids: Array(movieIDs))
        let screenNames = Dictionary(uniqueKeysWithValues: screens.map { ($0.id, $0.name) })
        let content = TheatrePage(
            id: theatre.id, name: theatre.name,
            screens: screens.map { screen in
                ScreenView(id: screen.id, name: screen.name, seatCount: screen.seatCount,
                           categories: screen.categories.map { Option(id: $0.id, name: $0.name) }, selected: form?.screen == screen.id)
            },
            showtimes: showtimes.prefix(Self.showtimesListed).map { showtime in
                ShowtimeRow(id: showtime.id, theatreID: theatre.id, startsAt: "\(clock.day(showtime.startsAt)) \(clock.time(showtime.startsAt))",
                            movie: movies[showtime.movieId]?.title ?? "", screen: screenNames[showtime.screenId] ?? "",
                            details: "\(showtime.format) · \(showtime.language)")
            },
            movies: movies.values.sorted { $0.title < $1.title }.map { Option(id: $0.id, name: $0.title, selected: form?.movie == $0.id) },
            timeZone: theatre.timeZone,
            draft: form.map { Draft(startsAt: $0.startsAt, language: $0.language, format: $0.format, currency: $0.currency, prices: $0.prices) }
                ?? Draft(),
            error: error)
        return renderer.render("staff-theatre", title: theatre.name, content: content, context: context, status: error?.status ?? .ok)
    }

    struct ShowtimeForm: Decodable {
        var movie: String
        var screen: String
        /// `2026-12-04T19:30`, the theatre's local time (a `datetime-local` field).
        var startsAt: String
        var language: String
        var format: String
        var currency: String
        /// `category=price` pairs, one per line, the price in major units (`standard=250`).
        var prices: String
    }

    @Sendable func createShowtime(_ request: Request, context: Context) async throws -> Response {
        let id = try theatreID(context)
        var request = request
        let form = try await request.form(ShowtimeForm.self, context: context)
        do {
            let theatre = try await catalog.theatre(id: id)
            guard let startsAt = Self.localDate(form.startsAt, zone: LocalTime(zoneIdentifier: theatre.timeZone).zone) else {
                throw WebError.invalidForm("Give the start as a date and time.")
            }
            let input = ShowtimeInput(
                movieId: form.movie, screenId: form.screen, startsAt: startsAt, language: form.language, format: form.format,
                prices: try Self.prices(form.prices, currency: form.currency), currency: form.currency)
            let showtime = try await catalog.createShowtime(theatreID: id, input)
            return PageRenderer.redirect(to: "/staff/theatres/\(id)/showtimes/\(showtime.id)?created=1")
        } catch let error where error is CatalogError || error is WebError || error is Problem {
            return try await renderTheatre(id, context: context, error: ErrorView(error, context: context), form: form)
        }
    }

    /// `category=price` lines in major units, exactly converted to minor units of `currency`.
    static func prices(_ text: String, currency: String) throws -> [String: Int64] {
        var prices: [String: Int64] = [:]
        let digits = Money.minorUnitDigits(of: currency)
        for line in text.split(whereSeparator: \.isNewline) where !line.allSatisfy(\.isWhitespace) {
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, let minor = Self.minorUnits(parts[1], digits: digits) else {
                throw WebError.invalidForm("Write each price as category=amount, such as standard=250.00; “\(line)” is not.")
            }
            prices[parts[0]] = minor
        }
        return prices
    }

    /// `250`, `250.5` or `250.50` as minor units, never through floating point.
    static func minorUnits(_ text: String, digits: Int) -> Int64? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let whole = Int64(parts[0]), whole >= 0 else { return nil }
        var fraction = parts.count == 2 ? String(parts[1]) : ""
        guard fraction.count <= digits, fraction.allSatisfy(\.isASCII), fraction.allSatisfy(\.isNumber) else { return nil }
        fraction += String(repeating: "0", count: digits - fraction.count)
        var scale: Int64 = 1
        for _ in 0..<digits { scale *= 10 }
        let (product, overflow) = whole.multipliedReportingOverflow(by: scale)
        guard !overflow else { return nil }
        return product + (Int64(fraction) ?? 0)
    }

    static func localDate(_ text: String, zone: TimeZone) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        for pattern in ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss"] {
            formatter.dateFormat = pattern
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }

    // MARK: a showtime's sales

    struct SalesPage: Sendable {
        let theatreID: String
        let showtimeID: String
        let movie: String
        let startsAt: String
        let isCancelled: Bool
        let counts: [Count]
        let chart: String
        let refunded: String
        let pendingRefunds: Int
        let failedRefunds: [String]
        let hasRefunds: Bool
        let notice: String?
    }

    struct Count: Sendable {
        let state: String
        let orders: Int
    }

    @Sendable func showtime(_ request: Request, context: Context) async throws -> Response {
        let theatreID = try theatreID(context)
        let showtimeID = try context.parameters.require("showtimeId")
        guard Identifiers.isGenerated(showtimeID) else { throw CatalogError.showtimeNotFound }
        let seating = try await catalog.seating(showtimeID: showtimeID)
        let showtime = seating.showtime
        guard showtime.theatreId == theatreID else { throw CatalogError.showtimeNotFound }
        let theatre = try await catalog.theatre(id: theatreID)
        let clock = LocalTime(zoneIdentifier: theatre.timeZone)
        let report = try await booking.showtimeReport(showtimeID: showtimeID)
        let sales = try await booking.sales(showtimeID: showtimeID)
        let movie = catalog.movies(ids: [showtime.movieId])[showtime.movieId]?.title ?? ""
        let chart = SalesChart(sales: sales, capacity: seating.layout.seatCount, until: min(catalog.now(), showtime.startsAt))
        let content = SalesPage(
            theatreID: theatreID, showtimeID: showtimeID, movie: movie, startsAt: clock.full(showtime.startsAt),
            isCancelled: showtime.status == .cancelled,
            counts: report.orders.sorted { $0.key < $1.key }.map { Count(state: OrderPages.stateName(OrderState(rawValue: $0.key) ?? .failed), orders: $0.value) },
            chart: chart.svg(title: "Seats sold for \(movie)", clock: clock),
            refunded: Money(report.refundedMinor, showtime.currency).formatted,
            // After a cancellation, bookings wait for the reconciler's batches, then for the provider.
            pendingRefunds: report.pendingRefunds
                + (showtime.status == .cancelled ? (report.orders[OrderState.confirmed.rawValue] ?? 0) + (report.orders[OrderState.cancelling.rawValue] ?? 0) : 0),
            failedRefunds: report.failedRefunds.map { "Order \($0.orderId): \(Money($0.amountMinor, $0.currency).formatted)" },
            hasRefunds: showtime.status == .cancelled || report.refundedMinor > 0 || report.pendingRefunds > 0 || !report.failedRefunds.isEmpty,
            notice: request.uri.queryParameters["created"] != nil ? "The showtime is on sale." : nil)
        return renderer.render("staff-showtime", title: "Sales · \(movie)", content: content, context: context)
    }

    struct CancelForm: Decodable {
        var confirm: String?
    }

    @Sendable func cancelShowtime(_ request: Request, context: Context) async throws -> Response {
        let theatreID = try theatreID(context)
        let showtimeID = try context.parameters.require("showtimeId")
        var request = request
        let form = try await request.form(CancelForm.self, context: context)
        guard form.confirm == "on" else { throw WebError.invalidForm("Tick the box to confirm cancelling the showtime.") }
        _ = try await catalog.cancelShowtime(showtimeID, theatreID: theatreID)
        return PageRenderer.redirect(to: "/staff/theatres/\(theatreID)/showtimes/\(showtimeID)")
    }

    // MARK: a new screen from a layout document

    struct ScreenImport: Sendable {
        let theatreID: String
        let theatreName: String
        let name: String
        let layout: String
        /// The drawn map, when the layout is valid and small enough to draw.
        let preview: String?
        let facts: [String]
        let isValid: Bool
        let error: ErrorView?
    }

    @Sendable func newScreen(_ request: Request, context: Context) async throws -> Response {
        let id = try theatreID(context)
        let theatre = try await catalog.theatre(id: id)
        let content = ScreenImport(theatreID: id, theatreName: theatre.name, name: "", layout: "", preview: nil, facts: [],
                                   isValid: false, error: nil)
        return renderer.render("staff-screen", title: "New screen · \(theatre.name)", content: content, context: context,
                               scripts: ["layout-file.js"])
    }

    struct ScreenForm: Decodable {
        var name: String
        var layout: String
    }

    /// Draws the layout as customers will see it (every seat free), with what it holds, before
    /// anything is created.
    @Sendable func previewScreen(_ request: Request, context: Context) async throws -> Response {
        let id = try theatreID(context)
        var request = request
        let form = try await request.form(ScreenForm.self, context: context)
        return try await renderImport(id, form: form, context: context, error: nil)
    }

    func renderImport(_ id: String, form: ScreenForm, context: Context, error: ErrorView?) async throws -> Response {
        let theatre = try await catalog.theatre(id: id)
        var preview: String?
        var facts: [String] = []
        var problem = error
        switch LayoutImport.read(form.layout) {
        case .success(let layout):
            let drawing = SeatMapDrawing(layout: layout, state: { _ in .free }, prices: nil, currency: "")
            if layout.seatCount <= SeatMapDrawing.seatsDrawnMax { preview = drawing.svg(title: "Preview of \(form.name)") }
            let blocked = drawing.seats.count { $0.state == .blocked }
            facts = ["\(layout.seatCount) seats in \(layout.sections.count) section\(layout.sections.count == 1 ? "" : "s") and \(layout.rows.count) rows"]
                + layout.categories.enumerated().map { index, category in
                    "\(category.name) (\(category.id)): \(drawing.seats.count { $0.category == index }) seats"
                }
                + ["\(drawing.seats.count(where: \.isAccessible)) wheelchair spaces, \(drawing.seats.count(where: \.isCompanion)) companion seats, \(blocked) not for sale"]
        case .failure(let fault):
            problem = problem ?? ErrorView(WebError.invalidForm(fault.message), context: context)
        }
        let content = ScreenImport(theatreID: id, theatreName: theatre.name, name: form.name, layout: form.layout, preview: preview,
                                   facts: facts, isValid: !facts.isEmpty, error: problem)
        return renderer.render("staff-screen", title: "New screen · \(theatre.name)", content: content, context: context,
                               status: problem?.status ?? .ok, scripts: ["layout-file.js"])
    }

    @Sendable func createScreen(_ request: Request, context: Context) async throws -> Response {
        let id = try theatreID(context)
        var request = request
        let form = try await request.form(ScreenForm.self, context: context)
        do {
            _ = try await catalog.createScreen(theatreID: id, name: form.name, layoutJSON: Array(form.layout.utf8))
            return PageRenderer.redirect(to: "/staff/theatres/\(id)")
        } catch let error as CatalogError {
            return try await renderImport(id, form: form, context: context, error: ErrorView(error, context: context))
        }
    }

    /// The theatre of the page, if this person may act for it.
    private func theatreID(_ context: Context) throws -> String {
        let id = try context.parameters.require("theatreId")
        let identity = try context.signedIn(returnTo: "/staff/theatres/\(Identifiers.isTheatreID(id) ? id : "")")
        guard Identifiers.isTheatreID(id) else { throw CatalogError.theatreNotFound }
        guard identity.isStaff(of: id) else { throw WebError.forbidden("Only this theatre's staff may see its sales.") }
        return id
    }
}
