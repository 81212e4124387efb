import BoxOfficeEdge
import Foundation
import Hummingbird
import HummingbirdAuth
import NIOCore

/// The booking routes under `/api/v1`: a customer's (or a partner's) orders from hold to
/// booking and cancellation, and the payment providers' webhooks.
public struct BookingController: Sendable {
    public typealias Context = BoxOfficeRequestContext
    /// Orders per page of a customer's list.
    public static let pageSizeMax = 100
    /// A partner's customer reference is at most this long.
    public static let customerReferenceCharactersMax = 128
    /// A webhook body larger than this is refused (providers send a few kilobytes).
    public static let webhookBytesMax = 64 * 1024

    let service: BookingService
    /// Who staff are now (their tokens may be minutes old).
    let identities: any CurrentIdentities

    public init(service: BookingService, identities: any CurrentIdentities) {
        self.service = service
        self.identities = identities
    }

    public func addRoutes(to api: RouterGroup<Context>, idempotency: IdempotencyMiddleware) {
        api.group("showtimes/{showtimeId}/orders").add(middleware: idempotency)
            .post(use: placeOrder)
        api.group("orders")
            .get(use: list)
            .get("{orderId}", use: order)
            .get("{orderId}/cancellation", use: cancellationTerms)
            .get("{orderId}/ticket", use: ticket)
            .get("{orderId}/ticket/code.svg", use: ticketCode)
        api.group("orders/{orderId}").add(middleware: idempotency)
            .post("payment", use: pay)
            .post("payment/return", use: paymentReturned)
            .post("release", use: release)
            .post("cancel", use: cancel)
            .put("promotion", use: applyPromotion)
            .delete("promotion", use: removePromotion)
        api.group("admin/promotions")
            .add(middleware: CurrentIdentityMiddleware(identities))
            .add(middleware: AuthorizationPolicyMiddleware(RolePolicy<Identity>(.admin), deniedError: Problem.forbidden, context: Context.self))
            .add(middleware: idempotency)
            .get(use: promotions)
            .post(use: createPromotion)
            .post("{promotionId}/deactivate", use: deactivatePromotion)
        api.post("payments/webhooks/{provider}", use: webhook)
        // A theatre's sales are read by its staff, or by a partner key with `reports:read` for it.
        api.group("theatres/{theatreId}/showtimes/{showtimeId}/sales")
            .add(middleware: CurrentIdentityMiddleware(identities))
            .add(middleware: StaffOfTheatre(orPartnerWith: .reportsRead))
            .get(use: showtimeSales)
        api.group("theatres/{theatreId}/showtimes/{showtimeId}/orders/{orderId}/refunds/retry")
            .add(middleware: CurrentIdentityMiddleware(identities))
            .add(middleware: StaffOfTheatre())
            .add(middleware: idempotency)
            .post(use: retryRefunds)
    }

    @Sendable func applyPromotion(_ request: Request, context: Context) async throws -> BookingAPI.OrderView {
        let owner = try owner(context)
        let body = try await request.decode(as: BookingAPI.ApplyPromotion.self, context: context)
        return .init(try await service.applyPromotion(code: body.code, orderID: try orderID(context), owner: owner))
    }

    @Sendable func removePromotion(_ request: Request, context: Context) async throws -> BookingAPI.OrderView {
        .init(try await service.removePromotion(orderID: try orderID(context), owner: try owner(context)))
    }

    @Sendable func createPromotion(_ request: Request, context: Context) async throws -> EditedResponse<BookingAPI.PromotionView> {
        let input = try await request.decode(as: PromotionInput.self, context: context)
        return EditedResponse(status: .created, response: .init(try await service.createPromotion(input), uses: 0))
    }

    @Sendable func promotions(_ request: Request, context: Context) async throws -> BookingAPI.PromotionList {
        let parameters = request.uri.queryParameters
        let limit = try QueryParameters.integer(parameters, "limit", in: 1...BookingService.promotionsPageMax) ?? 50
        let offset = try QueryParameters.integer(parameters, "offset", in: 0...100_000) ?? 0
        return .init(promotions: try await service.promotions(limit: limit, offset: offset).map { .init($0.promotion, uses: $0.uses) })
    }

    @Sendable func deactivatePromotion(_ request: Request, context: Context) async throws -> BookingAPI.PromotionView {
        let id = try context.parameters.require("promotionId")
        guard Identifiers.isGenerated(id) else { throw BookingError.promotionNotFound }
        return .init(try await service.deactivatePromotion(id: id), uses: nil)
    }

    /// The showtime's orders and refunds (after a cancellation: how the refunds are going).
    @Sendable func showtimeSales(_ request: Request, context: Context) async throws -> ShowtimeSalesReport {
        try await service.showtimeReport(showtimeID: try await theatresShowtimeID(context))
    }

    /// Staff ask the provider again for an order's failed refunds (listed in the sales report).
    @Sendable func retryRefunds(_ request: Request, context: Context) async throws -> BookingAPI.Refunds {
        let refunds = try await service.retryFailedRefunds(orderID: try orderID(context), showtimeID: try await theatresShowtimeID(context))
        return BookingAPI.Refunds(refunds: refunds.map { .init(amountMinor: $0.amount.amountMinor, currency: $0.amount.currency, status: $0.status) })
    }

    @Sendable func placeOrder(_ request: Request, context: Context) async throws -> EditedResponse<BookingAPI.OrderView> {
        let showtimeID = try context.parameters.require("showtimeId")
        guard Identifiers.isGenerated(showtimeID) else { throw BookingError.showtimeNotFound }
        let body = try await request.decode(as: BookingAPI.PlaceOrder.self, context: context)
        let owner = try owner(context, customerReference: body.customerReference)
        let seating = try await service.seating(showtimeID)
        let selection: SeatSelection
        switch (body.seats, body.bestAvailable) {
        case (let labels?, nil):
            guard labels.count <= service.configuration.seatsPerOrderMax else {
                throw BookingError.invalidField("/seats", "choose 1 to \(service.configuration.seatsPerOrderMax) seats")
            }
            selection = .seats(try SeatLabels.resolve(labels, in: seating.layout))
        case (nil, let best?):
            selection = .bestAvailable(count: best.count, category: best.category, accessible: best.accessible ?? false)
        default:
            throw BookingError.invalidField("/", "give either seats (their labels) or bestAvailable")
        }
        let order = try await service.placeOrder(owner: owner, showtimeID: showtimeID, selection: selection)
        return EditedResponse(status: .created, headers: [.location: "/api/v1/orders/\(order.id)"], response: .init(order))
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> BookingAPI.OrderList {
        let owner = try owner(context)
        let limit = try QueryParameters.integer(request.uri.queryParameters, "limit", in: 1...Self.pageSizeMax) ?? 20
        var before: Date?
        if let text = request.uri.queryParameters.get("before") {
            guard let date = ISO8601DateFormatter().date(from: String(text)) else {
                throw Problem.validation(field: "before", "must be an ISO 8601 time, as nextBefore gives")
            }
            before = date
        }
        let orders = try await service.orders(owner: owner, limit: limit, createdBefore: before)
        return .init(orders: orders.map(BookingAPI.OrderView.init), nextBefore: orders.count == limit ? orders.last?.createdAt : nil)
    }

    @Sendable func order(_ request: Request, context: Context) async throws -> BookingAPI.OrderView {
        .init(try await service.order(id: try orderID(context), owner: try owner(context)))
    }

    @Sendable func cancellationTerms(_ request: Request, context: Context) async throws -> BookingAPI.CancellationTerms {
        let owner = try owner(context)
        let orderID = try orderID(context)
        let order = try await service.order(id: orderID, owner: owner)
        let terms = try await service.cancellationTerms(orderID: orderID, owner: owner)
        return .init(cancellable: terms != nil, feeMinor: terms?.feeMinor, refundMinor: terms?.refundMinor,
                     currency: order.price?.currency, cutoffMinutes: order.cancellationPolicy.cutoffMinutes)
    }

    /// The e-ticket page of a confirmed booking.
    @Sendable func ticket(_ request: Request, context: Context) async throws -> Response {
        TicketPage.response(try await service.ticket(orderID: try orderID(context), owner: try owner(context)))
    }

    /// The ticket's QR code alone, as SVG (for apps that draw their own ticket).
    @Sendable func ticketCode(_ request: Request, context: Context) async throws -> Response {
        let ticket = try await service.ticket(orderID: try orderID(context), owner: try owner(context))
        return Response(status: .ok, headers: [.contentType: "image/svg+xml", .cacheControl: "private, no-store"],
                        body: .init(byteBuffer: ByteBuffer(string: ticket.code.svg(title: "Ticket code \(ticket.order.bookingCode ?? "")"))))
    }

    @Sendable func pay(_ request: Request, context: Context) async throws -> EditedResponse<BookingAPI.OrderView> {
        let owner = try owner(context)
        let body = try await request.decode(as: BookingAPI.Pay.self, context: context)
        guard (1...255).contains(body.paymentMethod.utf8.count) else {
            throw Problem.validation(field: "/paymentMethod", "must be 1 to 255 characters")
        }
        let order = try await service.pay(orderID: try orderID(context), owner: owner, paymentMethod: body.paymentMethod)
        // Not yet decided (3-D Secure, processing): accepted, to be looked up again.
        return EditedResponse(status: order.state == .paying ? .accepted : .ok, response: .init(order))
    }

    @Sendable func paymentReturned(_ request: Request, context: Context) async throws -> EditedResponse<BookingAPI.OrderView> {
        let owner = try owner(context)
        let body = try await request.decode(as: BookingAPI.PaymentReturn.self, context: context)
        guard body.fields.count <= BookingAPI.PaymentReturn.fieldsMax,
              body.fields.allSatisfy({ (1...BookingAPI.PaymentReturn.nameBytesMax).contains($0.key.utf8.count)
                  && $0.value.utf8.count <= BookingAPI.PaymentReturn.valueBytesMax })
        else {
            throw Problem.validation(field: "/fields", "at most \(BookingAPI.PaymentReturn.fieldsMax) fields, names of 1 to "
                + "\(BookingAPI.PaymentReturn.nameBytesMax) bytes, values of at most \(BookingAPI.PaymentReturn.valueBytesMax)")
        }
        let order = try await service.paymentReturned(orderID: try orderID(context), owner: owner, fields: body.fields)
        return EditedResponse(status: order.state == .paying ? .accepted : .ok, response: .init(order))
    }

    @Sendable func release(_ request: Request, context: Context) async throws -> BookingAPI.OrderView {
        .init(try await service.release(orderID: try orderID(context), owner: try owner(context)))
    }

    @Sendable func cancel(_ request: Request, context: Context) async throws -> BookingAPI.OrderView {
        .init(try await service.cancel(orderID: try orderID(context), owner: try owner(context)))
    }

    /// No authentication: the provider signs the raw body, and only a valid signature is acted on.
    @Sendable func webhook(_ request: Request, context: Context) async throws -> HTTPResponse.Status {
        let provider = try context.parameters.require("provider")
        let body = try await request.body.collect(upTo: Self.webhookBytesMax)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        try await service.receiveWebhook(provider: provider, rawBody: Array(buffer: body), headers: headers)
        return .ok
    }

    /// The path's showtime, when it is one of the path's theatre (else not found, as for anyone).
    private func theatresShowtimeID(_ context: Context) async throws -> String {
        let showtimeID = try context.parameters.require("showtimeId")
        guard Identifiers.isGenerated(showtimeID) else { throw BookingError.showtimeNotFound }
        let seating = try await service.seating(showtimeID)
        guard seating.showtime.theatreId == (try context.parameters.require("theatreId")) else { throw BookingError.showtimeNotFound }
        return showtimeID
    }

    private func orderID(_ context: Context) throws -> String {
        let id = try context.parameters.require("orderId")
        guard Identifiers.isGenerated(id) else { throw BookingError.orderNotFound }
        return id
    }

    /// Whose orders the caller handles: their own, or (a partner allowed to book) the partner's.
    private func owner(_ context: Context, customerReference: String? = nil) throws -> BookingService.Owner {
        let identity = try context.requireIdentity()
        switch identity.kind {
        case .user:
            guard customerReference == nil else {
                throw Problem.validation(field: "/customerReference", "only partners name their customers")
            }
            return .user(identity.subject)
        case .partner(let scopes):
            guard scopes.contains(.bookingsWrite) else { throw Problem.forbidden }
            if let customerReference, !(1...Self.customerReferenceCharactersMax).contains(customerReference.count) {
                throw Problem.validation(field: "/customerReference", "must be 1 to \(Self.customerReferenceCharactersMax) characters")
            }
            return .partner(keyID: identity.subject, customerReference: customerReference, theatreIDs: identity.theatreIDs)
        }
    }
}

extension ShowtimeSalesReport: ResponseEncodable {}
