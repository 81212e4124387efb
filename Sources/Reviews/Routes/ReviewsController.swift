import BoxOfficeEdge
import Catalog
import Foundation
import Hummingbird
import HummingbirdAuth

/// The review routes under `/api/v1`: a movie's reviews (public), the signed-in person's own
/// review of a movie, and staff moderation.
public struct ReviewsController: Sendable {
    public typealias Context = BoxOfficeRequestContext

    let service: ReviewService
    let identities: any CurrentIdentities

    public init(service: ReviewService, identities: any CurrentIdentities) {
        self.service = service
        self.identities = identities
    }

    public struct ReviewPage: ResponseEncodable, Sendable {
        public var rating: MovieRating?
        public var reviews: [Review]
    }

    struct Moderation: Decodable {
        var status: Review.Status
        var reason: String?
    }

    struct ReviewList: ResponseEncodable {
        var reviews: [Review]
    }

    public func addRoutes(to api: RouterGroup<Context>, idempotency: IdempotencyMiddleware) {
        api.get("movies/{movieId}/reviews", use: reviews)
        api.group("movies/{movieId}/review")
            .get(use: ownReview)
            .put(use: write)
            .delete(use: delete)
        api.group("admin/reviews")
            .add(middleware: CurrentIdentityMiddleware(identities))
            .add(middleware: Moderators())
            .get(use: queue)
            .group().add(middleware: idempotency)
            .post("{reviewId}/moderation", use: moderate)
    }

    @Sendable func reviews(_ request: Request, context: Context) async throws -> ReviewPage {
        let (limit, offset) = try Self.page(request)
        let (rating, reviews) = try await service.reviews(movieID: try Self.movieID(context), limit: limit, offset: offset)
        return ReviewPage(rating: rating, reviews: reviews)
    }

    @Sendable func ownReview(_ request: Request, context: Context) async throws -> Review {
        try await service.ownReview(userID: try context.requirePerson(), movieID: try Self.movieID(context))
    }

    @Sendable func write(_ request: Request, context: Context) async throws -> EditedResponse<Review> {
        let userID = try context.requirePerson()
        let input = try await request.decode(as: ReviewInput.self, context: context)
        let (review, isNew) = try await service.write(userID: userID, movieID: try Self.movieID(context), input)
        return EditedResponse(status: isNew ? .created : .ok, response: review)
    }

    @Sendable func delete(_ request: Request, context: Context) async throws -> HTTPResponse.Status {
        try await service.deleteReview(userID: try context.requirePerson(), movieID: try Self.movieID(context))
        return .noContent
    }

    @Sendable func queue(_ request: Request, context: Context) async throws -> ReviewList {
        let (limit, offset) = try Self.page(request)
        var status: Review.Status?
        if let text = request.uri.queryParameters.get("status") {
            guard let parsed = Review.Status(rawValue: String(text)) else {
                throw Problem.validation(field: "status", "must be published or hidden")
            }
            status = parsed
        }
        return ReviewList(reviews: try await service.moderationQueue(status: status, limit: limit, offset: offset))
    }

    @Sendable func moderate(_ request: Request, context: Context) async throws -> Review {
        let reviewID = try context.parameters.require("reviewId")
        guard Identifiers.isGenerated(reviewID) else { throw ReviewError.reviewNotFound }
        let body = try await request.decode(as: Moderation.self, context: context)
        return try await service.moderate(reviewID: reviewID, status: body.status, reason: body.reason,
                                          moderatorID: try context.requireIdentity().subject)
    }

    static func movieID(_ context: Context) throws -> String {
        let id = try context.parameters.require("movieId")
        guard Identifiers.isGenerated(id) else { throw ReviewError.movieNotFound }
        return id
    }

    static func page(_ request: Request) throws -> (limit: Int, offset: Int) {
        let parameters = request.uri.queryParameters
        return (try QueryParameters.integer(parameters, "limit", in: 1...ReviewService.pageSizeMax) ?? 20,
                try QueryParameters.integer(parameters, "offset", in: 0...10_000) ?? 0)
    }
}

/// Staff (of any theatre) and admins moderate reviews.
struct Moderators: RouterMiddleware {
    typealias Context = BoxOfficeRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let identity = context.identity else { throw Problem.unauthenticated }
        guard identity.kind == .user, identity.roles.contains(.staff) || identity.isAdmin else { throw Problem.forbidden }
        return try await next(request, context)
    }
}

extension Review: ResponseEncodable {}

extension ReviewError: ProblemConvertible {
    public var problem: Problem {
        switch self {
        case .invalidField(let field, let message): .validation(field: field, message)
        case .movieNotFound: .notFound("No such movie.")
        case .reviewNotFound: .notFound("No such review.")
        case .notSeen:
            Problem(.forbidden, code: "review_needs_booking", title: "Only people who saw it here may review a movie",
                    detail: "A confirmed booking of this movie whose showtime has begun lets you review it.")
        }
    }
}
