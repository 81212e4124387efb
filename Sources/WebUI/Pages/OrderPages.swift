import Booking
import BoxOfficeEdge
import Catalog
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Payments
import Recommendations

/// A person's orders: checkout while the seats are held (price, countdown, promo code, card),
/// the wait while a payment completes, the confirmation with the e-ticket, cancelling with the
/// refund stated first, and the list of their bookings. Another person's order is "not found".
struct OrderPages: Sendable {
    typealias Context = WebRequestContext
    let renderer: PageRenderer
    let catalog: CatalogService
    let booking: BookingService
    let recommendations: RecommendationService
    /// The sandbox's test cards are listed on the checkout page when the sandbox takes payments.
    let isSandbox: Bool

    static let bookingsShown = 50
    static let suggestionsShown = 4

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("bookings", use: list)
        group.get("orders/{orderId}", use: page)
        group.get("orders/{orderId}/events", use: events)
        group.post("orders/{orderId}/pay", use: pay)
        group.post("orders/{orderId}/promotion", use: applyPromotion)
        group.post("orders/{orderId}/release", use: release)
        group.get("orders/{orderId}/cancel", use: cancellationTerms)
        group.post("orders/{orderId}/cancel", use: cancel)
    }

    // MARK: the order

    struct Content: Sendable {
        let id: String
        let state: String
        let summary: Summary
        let isHeld: Bool
        let isWaiting: Bool
        let isConfirmed: Bool
        let isCancelled: Bool
        let isOver: Bool
        let holdDeadline: String?
        let holdDeadlineText: String?
        let nextActionURL: String?
        let overReason: String?
        let paymentFailure: String?
        let bookingCode: String?
        let ticketCode: String?
        let mayCancel: Bool
        let refund: String?
        let testCards: [TestCard]
        let error: ErrorView?
        /// After a booking: the movie in another format nearby, other movies at the theatre.
        let otherShowings: [OtherShowing]
        let alsoShowingHere: [MovieCard]
        /// The page follows its order live (``OrderPages/events``) while it waits for a payment
        /// or a refund; this is where it stands now, to reload when that changes.
        let followKey: String?
    }

    struct Summary: Sendable {
        let movieTitle: String
        let movieID: String
        let theatreName: String
        let showtimeID: String
        let startsAt: String
        let seats: String
        let lines: [PriceLine]
        let total: String?
        let promotionCode: String?
    }

    struct OtherShowing: Sendable {
        let showtimeID: String
        let text: String
    }

    struct PriceLine: Sendable {
        let label: String
        let amount: String
    }

    struct TestCard: Sendable {
        let number: String
        let behaviour: String
    }

    @Sendable func page(_ request: Request, context: Context) async throws -> Response {
        var (order, owner) = try await ownOrder(context)
        if order.state == .paying {
            // The customer is back from their bank's page (a provider's return URL): ask the
            // provider now rather than wait for its webhook or the reconciler.
            order = try await booking.drive(order.id)
        } else if order.state == .held, let deadline = order.holdDeadline, deadline <= catalog.now() {
            // The countdown reached zero: end the hold now rather than at the reconciler's next pass.
            order = try await booking.drive(order.id)
        }
        return try await render(order, owner: owner, context: context, error: nil)
    }

    func render(_ order: Order, owner: BookingService.Owner, context: Context, error: ErrorView?) async throws -> Response {
        let summary = try await summary(of: order)
        let isWaiting = !order.state.isSettled && order.state != .held
        var ticketCode: String?
        if order.state == .confirmed {
            ticketCode = try await booking.ticket(orderID: order.id, owner: owner).code.svg(title: "Ticket code \(order.bookingCode ?? "")")
        }
        let terms = order.state == .confirmed ? try await booking.cancellationTerms(orderID: order.id, owner: owner) : nil
        let refunds = order.state == .cancelled ? try await booking.refunds(orderID: order.id) : []
        var after: AfterBooking?
        if order.state == .confirmed, let userID = owner.userID {
            // Suggestions are extra: the ticket is shown without them if they cannot be had.
            after = try? await recommendations.afterBooking(
                BookedShow(movieID: order.movieID, theatreID: order.theatreID, showtimeID: order.showtimeID), userID: userID,
                limit: Self.suggestionsShown, whileFirstBuilds: .answerWithout)
        }
        let currency = order.price?.currency ?? ""
        let refundPending = refunds.contains { $0.status != "succeeded" }
        let content = Content(
            id: order.id, state: Self.stateName(order.state), summary: summary, isHeld: order.state == .held, isWaiting: isWaiting,
            isConfirmed: order.state == .confirmed, isCancelled: order.state == .cancelled,
            isOver: [.expired, .released, .rejected, .failed].contains(order.state),
            holdDeadline: order.state == .held
                ? order.holdDeadline.map { $0.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)) } : nil,
            holdDeadlineText: order.state == .held ? order.holdDeadline.map { LocalTime(zoneIdentifier: "UTC").time($0) + " UTC" } : nil,
            nextActionURL: order.state == .paying ? order.paymentNextActionURL : nil,
            overReason: Self.overReason(order), paymentFailure: order.state == .held ? order.paymentFailure : nil,
            bookingCode: order.bookingCode, ticketCode: ticketCode, mayCancel: terms != nil,
            refund: order.state == .cancelled
                ? Self.refundText(refunds.reduce(Int64(0)) { $0 + $1.amount.amountMinor }, currency: currency, pending: refundPending)
                : nil,
            testCards: isSandbox && order.state == .held ? Self.testCards : [], error: error,
            otherShowings: (after?.sameMovieOtherwise ?? []).map { showing in
                OtherShowing(showtimeID: showing.showtimeId,
                             text: "\(showing.format) · \(showing.language) · \(showing.theatreName) · "
                                 + LocalTime(zoneIdentifier: showing.timeZone).day(showing.startsAt) + " "
                                 + LocalTime(zoneIdentifier: showing.timeZone).time(showing.startsAt))
            },
            alsoShowingHere: (after?.alsoShowingHere ?? []).compactMap { MovieCard($0, catalog: catalog, isDismissible: false) },
            followKey: isWaiting || refundPending ? Self.followKey(order.state, refundPending: refundPending) : nil)
        let title = switch order.state {
        case .held: "Checkout"
        case .confirmed: "Booking confirmed"
        case .cancelled: "Booking cancelled"
        default: "Your order"
        }
        return renderer.render("order", title: "\(title) · \(summary.movieTitle)", content: content, context: context,
                               status: error?.status ?? .ok, scripts: order.state == .held || content.followKey != nil ? ["order.js"] : [])
    }

    /// What the page shows of its order: the steps between paying and the outcome are one wait
    /// to the customer, so the page reloads once, for the outcome.
    static func followKey(_ state: OrderState, refundPending: Bool) -> String {
        (state.isSettled ? state.rawValue : "waiting") + (refundPending ? "/refund-pending" : "")
    }

    // MARK: following the order live

    static let eventsLifetime: Duration = .seconds(600)
    /// How often a stream looks at its order itself (a step taken by another instance) and keeps the connection alive.
    static let eventsLookInterval: Duration = .seconds(5)

    /// `GET /orders/{id}/events`: the order's state as server-sent events (`event: order`, its
    /// data `{"key": …}` as ``followKey(_:refundPending:)``), sent at once and whenever it
    /// changes, until it is settled with no refund pending or ten minutes pass. The owner only.
    @Sendable func events(_ request: Request, context: Context) async throws -> Response {
        let (order, owner) = try await ownOrder(context)
        let booking = self.booking
        let (signal, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        guard let listener = booking.changes.listen(orderID: order.id, continuation) else {
            throw Problem(.serviceUnavailable, code: "order_events_full", title: "Too many order pages are open",
                          detail: "Reload the page in a moment.", headers: [.retryAfter: "15"])
        }
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store", HTTPField.Name("X-Accel-Buffering")!: "no"],
            body: ResponseBody { writer in
                defer { booking.changes.stopListening(orderID: order.id, id: listener) }
                let ticker = Task {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: Self.eventsLookInterval)
                        continuation.yield()
                    }
                }
                defer { ticker.cancel() }
                let deadline = ContinuousClock.now + Self.eventsLifetime
                var sent: String?
                continuation.yield()
                for await _ in signal where ContinuousClock.now < deadline {
                    let current = try await booking.order(id: order.id, owner: owner)
                    var refundPending = false
                    if current.state == .cancelled {
                        refundPending = try await booking.refunds(orderID: current.id).contains { $0.status != "succeeded" }
                    }
                    let key = Self.followKey(current.state, refundPending: refundPending)
                    try await writer.write(ByteBuffer(string: key == sent ? ": keep-alive\n\n" : "event: order\ndata: {\"key\":\"\(key)\"}\n\n"))
                    sent = key
                    if current.state.isSettled, !refundPending { break }
                }
                try await writer.finish(nil)
            })
    }

    func summary(of order: Order) async throws -> Summary {
        let theatre = try await catalog.theatre(id: order.theatreID)
        let clock = LocalTime(zoneIdentifier: theatre.timeZone)
        var lines: [PriceLine] = []
        // Categories by name, as the seat map shows them (a showtime gone from the catalog keeps its ids).
        let categoryNames = Dictionary(
            ((try? await catalog.seating(showtimeID: order.showtimeID))?.layout.categories ?? []).map { ($0.id, $0.name) },
            uniquingKeysWith: { first, _ in first })
        if let price = order.price {
            for line in price.lines {
                let category = categoryNames[line.category] ?? line.category
                lines.append(PriceLine(label: "\(line.seats) × \(category) at \(Money(line.unitPriceMinor, price.currency).formatted)",
                                       amount: Money(line.amountMinor, price.currency).formatted))
            }
            if price.discountMinor > 0 {
                lines.append(PriceLine(label: "Discount\(price.discountCode.map { " (\($0))" } ?? "")",
                                       amount: Money(-price.discountMinor, price.currency).formatted))
            }
            if price.bookingFeeMinor > 0 {
                lines.append(PriceLine(label: "Booking fee", amount: Money(price.bookingFeeMinor, price.currency).formatted))
            }
            if price.taxMinor > 0 {
                lines.append(PriceLine(label: "Tax on the fee", amount: Money(price.taxMinor, price.currency).formatted))
            }
        }
        return Summary(
            movieTitle: catalog.movies(ids: [order.movieID])[order.movieID]?.title ?? "Film", movieID: order.movieID,
            theatreName: theatre.name, showtimeID: order.showtimeID, startsAt: clock.full(order.showtimeStartsAt),
            seats: order.seats.map(\.label).joined(separator: ", "), lines: lines, total: order.price?.total.formatted,
            promotionCode: order.price?.discountCode)
    }

    static func stateName(_ state: OrderState) -> String {
        switch state {
        case .holding: "Holding seats"
        case .held: "Seats held"
        case .paying: "Payment in progress"
        case .authorized, .seatsConfirmed: "Confirming"
        case .confirmed: "Confirmed"
        case .cancelling: "Cancelling"
        case .cancelled: "Cancelled"
        case .voiding: "Ending"
        case .expired: "Hold expired"
        case .released: "Seats released"
        case .rejected: "Not held"
        case .failed: "Not completed"
        }
    }

    static func overReason(_ order: Order) -> String? {
        switch order.state {
        case .expired: "The seats were held for a few minutes and the time ran out before payment. You were not charged."
        case .released: "You gave these seats up. You were not charged."
        case .rejected: "These seats could not be held."
        case .failed: order.failureReason.map { "\($0). You were not charged." } ?? "The booking could not be completed. You were not charged."
        default: nil
        }
    }

    static func refundText(_ refundedMinor: Int64, currency: String, pending: Bool) -> String {
        guard refundedMinor > 0 else { return "No refund is due under the theatre's cancellation terms." }
        let amount = Money(refundedMinor, currency).formatted
        return pending ? "A refund of \(amount) is on its way to your card." : "\(amount) was refunded to your card."
    }

    static let testCards: [TestCard] = [
        TestCard(number: SandboxCard.success.rawValue, behaviour: "paid at once"),
        TestCard(number: SandboxCard.requiresAuthentication.rawValue, behaviour: "asks your bank to confirm (3-D Secure)"),
        TestCard(number: SandboxCard.declined.rawValue, behaviour: "declined"),
        TestCard(number: SandboxCard.insufficientFunds.rawValue, behaviour: "declined: insufficient funds"),
        TestCard(number: SandboxCard.processing.rawValue, behaviour: "takes a moment to process"),
    ]

    // MARK: actions

    struct PayForm: Decodable {
        var card: String
    }

    @Sendable func pay(_ request: Request, context: Context) async throws -> Response {
        let (order, owner) = try await ownOrder(context)
        var request = request
        let form = try await request.form(PayForm.self, context: context)
        // People type card numbers in groups: the digits are what counts.
        let card = form.card.filter(\.isNumber)
        do {
            guard (12...19).contains(card.count) else { throw WebError.invalidForm("Enter the card's number: 12 to 19 digits.") }
            let paid = try await booking.pay(orderID: order.id, owner: owner, paymentMethod: card)
            if paid.state == .paying, let next = paid.paymentNextActionURL, next.hasPrefix("/") {
                return PageRenderer.redirect(to: next)
            }
            return PageRenderer.redirect(to: "/orders/\(order.id)")
        } catch BookingError.orderNotPayable {
            // It ended meanwhile (the hold ran out, or another tab paid): the page says how.
            return PageRenderer.redirect(to: "/orders/\(order.id)")
        } catch let error where ErrorView.isShownOnPage(error) {
            return try await render(try await booking.order(id: order.id, owner: owner), owner: owner, context: context,
                                    error: ErrorView(error, context: context))
        }
    }

    struct PromotionForm: Decodable {
        var code: String
    }

    @Sendable func applyPromotion(_ request: Request, context: Context) async throws -> Response {
        let (order, owner) = try await ownOrder(context)
        var request = request
        let form = try await request.form(PromotionForm.self, context: context)
        do {
            _ = try await booking.applyPromotion(code: form.code, orderID: order.id, owner: owner)
            return PageRenderer.redirect(to: "/orders/\(order.id)")
        } catch let error where ErrorView.isShownOnPage(error) {
            return try await render(order, owner: owner, context: context, error: ErrorView(error, context: context))
        }
    }

    @Sendable func release(_ request: Request, context: Context) async throws -> Response {
        let (order, owner) = try await ownOrder(context)
        _ = try await booking.release(orderID: order.id, owner: owner)
        return PageRenderer.redirect(to: "/showtimes/\(order.showtimeID)")
    }

    struct CancelContent: Sendable {
        let id: String
        let summary: Summary
        let fee: String
        let refund: String
    }

    @Sendable func cancellationTerms(_ request: Request, context: Context) async throws -> Response {
        let (order, owner) = try await ownOrder(context)
        guard let terms = try await booking.cancellationTerms(orderID: order.id, owner: owner) else {
            return try await render(order, owner: owner, context: context, error: ErrorView(
                BookingError.cancellationClosed(cutoffMinutes: order.cancellationPolicy.cutoffMinutes), context: context))
        }
        let currency = order.price?.currency ?? ""
        let content = CancelContent(id: order.id, summary: try await summary(of: order), fee: Money(terms.feeMinor, currency).formatted,
                                    refund: Money(terms.refundMinor, currency).formatted)
        return renderer.render("cancel", title: "Cancel booking", content: content, context: context)
    }

    @Sendable func cancel(_ request: Request, context: Context) async throws -> Response {
        let (order, owner) = try await ownOrder(context)
        do {
            _ = try await booking.cancel(orderID: order.id, owner: owner)
            return PageRenderer.redirect(to: "/orders/\(order.id)")
        } catch let error where ErrorView.isShownOnPage(error) {
            return try await render(order, owner: owner, context: context, error: ErrorView(error, context: context))
        }
    }

    // MARK: the list

    struct Bookings: Sendable {
        let orders: [Row]
        let isEmpty: Bool
    }

    struct Row: Sendable {
        let id: String
        let movieTitle: String
        let startsAt: String
        let seats: String
        let state: String
        let isConfirmed: Bool
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let identity = try context.signedIn(returnTo: "/bookings")
        let orders = try await booking.orders(owner: .user(identity.subject), limit: Self.bookingsShown, createdBefore: nil)
            .filter { $0.state != .rejected }
        let titles = catalog.movies(ids: Array(Set(orders.map(\.movieID))))
        var zones: [String: LocalTime] = [:]
        var rows: [Row] = []
        for order in orders {
            if zones[order.theatreID] == nil {
                zones[order.theatreID] = LocalTime(zoneIdentifier: (try? await catalog.theatre(id: order.theatreID))?.timeZone ?? "UTC")
            }
            rows.append(Row(
                id: order.id, movieTitle: titles[order.movieID]?.title ?? "Film", startsAt: zones[order.theatreID]!.full(order.showtimeStartsAt),
                seats: order.seats.map(\.label).joined(separator: ", "), state: Self.stateName(order.state),
                isConfirmed: order.state == .confirmed))
        }
        return renderer.render("bookings", title: "My bookings", content: Bookings(orders: rows, isEmpty: rows.isEmpty), context: context)
    }

    private func ownOrder(_ context: Context) async throws -> (Order, BookingService.Owner) {
        let id = try context.parameters.require("orderId")
        let identity = try context.signedIn(returnTo: "/orders/\(id)")
        guard Identifiers.isGenerated(id) else { throw BookingError.orderNotFound }
        let owner = BookingService.Owner.user(identity.subject)
        return (try await booking.order(id: id, owner: owner), owner)
    }
}
