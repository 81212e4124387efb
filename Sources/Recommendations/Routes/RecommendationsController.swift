import BoxOfficeEdge
import Foundation
import Hummingbird
import HummingbirdAuth

/// The recommendation routes under `/api/v1`: lists for anyone (popular near a city) and for
/// signed-in people (their own), signals apps report, "not interested", and the model's status
/// for admins.
public struct RecommendationsController: Sendable {
    public typealias Context = BoxOfficeRequestContext

    let service: RecommendationService
    let identities: any CurrentIdentities
    /// The show of the person's order, or nil when it is not theirs (the booking service answers).
    let bookedShow: @Sendable (_ orderID: String, _ userID: String) async throws -> BookedShow?

    public init(service: RecommendationService, identities: any CurrentIdentities,
                bookedShow: @escaping @Sendable (_ orderID: String, _ userID: String) async throws -> BookedShow?) {
        self.service = service
        self.identities = identities
        self.bookedShow = bookedShow
    }

    struct RecommendationList: ResponseEncodable {
        var recommendations: [RecommendedMovie]
    }

    struct BecauseYouBookedList: ResponseEncodable {
        var lists: [BecauseYouBooked]
    }

    struct SignalBatch: Decodable {
        var signals: [SignalInput]
    }

    public func addRoutes(to api: RouterGroup<Context>, idempotency: IdempotencyMiddleware) {
        api.get("recommendations", use: forYou)
        api.get("recommendations/because-you-booked", use: becauseYouBooked)
        api.get("movies/{movieId}/also-booked", use: alsoBooked)
        api.get("orders/{orderId}/suggestions", use: afterBooking)
        api.post("recommendations/signals", use: record)
        api.put("recommendations/dismissals/{movieId}", use: dismiss)
        api.delete("recommendations/dismissals/{movieId}", use: undoDismissal)
        api.group("admin/recommendations")
            .add(middleware: CurrentIdentityMiddleware(identities))
            .add(middleware: AuthorizationPolicyMiddleware(RolePolicy<Identity>(.admin), deniedError: Problem.forbidden, context: Context.self))
            .add(middleware: idempotency)
            .get("model", use: status)
            .post("model/rebuild", use: rebuild)
    }

    @Sendable func forYou(_ request: Request, context: Context) async throws -> RecommendationList {
        let person = context.identity.flatMap { $0.kind == .user ? $0.subject : nil }
        return RecommendationList(recommendations: try await service.forYou(
            userID: person, city: try Self.city(request), limit: try Self.limit(request), whileFirstBuilds: .wait))
    }

    @Sendable func becauseYouBooked(_ request: Request, context: Context) async throws -> BecauseYouBookedList {
        BecauseYouBookedList(lists: try await service.becauseYouBooked(
            userID: try context.requirePerson(), city: try Self.city(request), limit: try Self.limit(request)))
    }

    @Sendable func alsoBooked(_ request: Request, context: Context) async throws -> RecommendationList {
        RecommendationList(recommendations: try await service.alsoBooked(
            movieID: try Self.movieID(context), city: try Self.city(request), limit: try Self.limit(request), whileFirstBuilds: .wait))
    }

    @Sendable func afterBooking(_ request: Request, context: Context) async throws -> AfterBooking {
        let userID = try context.requirePerson()
        let orderID = try context.parameters.require("orderId")
        guard Identifiers.isGenerated(orderID), let show = try await bookedShow(orderID, userID) else {
            throw RecommendationError.orderNotFound
        }
        return try await service.afterBooking(show, userID: userID, limit: try Self.limit(request), whileFirstBuilds: .wait)
    }

    @Sendable func record(_ request: Request, context: Context) async throws -> HTTPResponse.Status {
        let userID = try context.requirePerson()
        let batch = try await request.decode(as: SignalBatch.self, context: context)
        try await service.record(userID: userID, batch.signals)
        return .noContent
    }

    @Sendable func dismiss(_ request: Request, context: Context) async throws -> HTTPResponse.Status {
        try await service.dismiss(userID: try context.requirePerson(), movieID: try Self.movieID(context))
        return .noContent
    }

    @Sendable func undoDismissal(_ request: Request, context: Context) async throws -> HTTPResponse.Status {
        try await service.undoDismissal(userID: try context.requirePerson(), movieID: try Self.movieID(context))
        return .noContent
    }

    @Sendable func status(_ request: Request, context: Context) async throws -> RecommendationService.ModelStatus {
        service.status
    }

    @Sendable func rebuild(_ request: Request, context: Context) async throws -> RecommendationService.ModelStatus {
        try await service.rebuild()
        return service.status
    }

    static func movieID(_ context: Context) throws -> String {
        let id = try context.parameters.require("movieId")
        guard Identifiers.isGenerated(id) else { throw RecommendationError.movieNotFound }
        return id
    }

    static func limit(_ request: Request) throws -> Int {
        try QueryParameters.integer(request.uri.queryParameters, "limit", in: 1...RecommendationsConfiguration.listLengthMax) ?? 10
    }

    static func city(_ request: Request) throws -> String? {
        guard let city = request.uri.queryParameters.get("city") else { return nil }
        guard (1...SignalInput.cityCharactersMax).contains(city.count) else {
            throw Problem.validation(field: "city", "must be 1 to \(SignalInput.cityCharactersMax) characters")
        }
        return city
    }
}

extension RecommendedMovie: ResponseEncodable {}
extension AfterBooking: ResponseEncodable {}
extension RecommendationService.ModelStatus: ResponseEncodable {}

extension RecommendationError: ProblemConvertible {
    public var problem: Problem {
        switch self {
        case .invalidField(let field, let message): .validation(field: field, message)
        case .movieNotFound: .notFound("No such movie.")
        case .orderNotFound: .notFound("No such order.")
        }
    }
}
