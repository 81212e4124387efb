import BoxOfficeEdge
import Catalog
import Foundation
import Hummingbird
import Reviews

/// Reviews for staff and admins to moderate: newest first, hidden with a reason or published
/// again (a hidden review leaves the movie's rating at once).
struct ModerationPages: Sendable {
    typealias Context = WebRequestContext
    let renderer: PageRenderer
    let catalog: CatalogService
    let reviews: ReviewService

    static let reviewsShown = 50

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("moderation/reviews", use: queue)
        group.post("moderation/reviews/{reviewId}", use: moderate)
    }

    struct Content: Sendable {
        let reviews: [Row]
        let showingHidden: Bool
        let reasonCharactersMax: Int
        let error: ErrorView?
    }

    struct Row: Sendable {
        let id: String
        let movie: String
        let author: String
        let stars: String
        let title: String?
        let body: String
        let isHidden: Bool
        let reason: String?
    }

    @Sendable func queue(_ request: Request, context: Context) async throws -> Response {
        let showingHidden = request.uri.queryParameters["status"] == "hidden"
        return try await render(showingHidden: showingHidden, context: context, error: nil)
    }

    func render(showingHidden: Bool, context: Context, error: ErrorView?) async throws -> Response {
        try Self.requireModerator(context)
        let list = try await reviews.moderationQueue(status: showingHidden ? .hidden : .published, limit: Self.reviewsShown, offset: 0)
        let titles = catalog.movies(ids: Array(Set(list.map(\.movieId))))
        let content = Content(
            reviews: list.map { review in
                Row(id: review.id, movie: titles[review.movieId]?.title ?? "", author: review.authorName,
                    stars: String(repeating: "★", count: review.rating) + String(repeating: "☆", count: 5 - review.rating),
                    title: review.title, body: review.body, isHidden: review.status == .hidden, reason: review.moderationReason)
            },
            showingHidden: showingHidden, reasonCharactersMax: ReviewService.reasonCharactersMax, error: error)
        return renderer.render("moderation", title: "Reviews to moderate", content: content, context: context,
                               status: error?.status ?? .ok)
    }

    struct ModerationForm: Decodable {
        var status: String
        var reason: String?
    }

    @Sendable func moderate(_ request: Request, context: Context) async throws -> Response {
        let moderator = try Self.requireModerator(context)
        let reviewID = try context.parameters.require("reviewId")
        guard Identifiers.isGenerated(reviewID) else { throw ReviewError.reviewNotFound }
        var request = request
        let form = try await request.form(ModerationForm.self, context: context)
        guard let status = Review.Status(rawValue: form.status) else { throw WebError.invalidForm("Choose to publish or hide the review.") }
        let reason = form.reason.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        do {
            _ = try await reviews.moderate(reviewID: reviewID, status: status, reason: reason, moderatorID: moderator.subject)
        } catch let error as ReviewError where error != .reviewNotFound {
            return try await render(showingHidden: status == .published, context: context, error: ErrorView(error, context: context))
        }
        return PageRenderer.redirect(to: status == .hidden ? "/moderation/reviews" : "/moderation/reviews?status=hidden")
    }

    /// Staff of any theatre and admins, as for the API's moderation routes.
    @discardableResult
    static func requireModerator(_ context: Context) throws -> Identity {
        let identity = try context.signedIn(returnTo: "/moderation/reviews")
        guard identity.roles.contains(.staff) || identity.isAdmin else {
            throw WebError.forbidden("Reviews are moderated by theatre staff.")
        }
        return identity
    }
}
