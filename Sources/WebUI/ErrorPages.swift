import BoxOfficeEdge
import Foundation
import Hummingbird

/// Answers the web pages' errors as pages: a page that needs a person sends them to sign in
/// (and back), anything else gets its status with the problem's title and detail in words and
/// the ways on from there. Unexpected errors are logged (by the problem mapping) and shown
/// with the request id only.
struct ErrorPages: RouterMiddleware {
    typealias Context = WebRequestContext
    let renderer: PageRenderer

    struct Content: Sendable {
        let status: Int
        let title: String
        let detail: String?
        let messages: [String]
        let requestID: String
        let isNotFound: Bool
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch WebError.signInRequired(let returnTo) {
            let path = returnTo.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(["&", "=", "?", "+"])) ?? "/"
            return PageRenderer.redirect(to: "/signin?next=\(path)")
        } catch {
            return Self.page(for: error, context: context, renderer: renderer)
        }
    }

    static func page(for error: any Error, context: Context, renderer: PageRenderer) -> Response {
            let problem = ProblemMiddleware.problem(for: error, context: context)
            var response = renderer.render(
                "error", title: problem.title,
                content: Content(status: Int(problem.status.code), title: problem.title, detail: problem.detail,
                                 messages: problem.errors.map(\.message), requestID: context.id, isNotFound: problem.status == .notFound),
                context: context, status: problem.status)
            for field in problem.headers { response.headers.append(field) }
            return response
    }
}

/// A browser that asks for a page that does not exist gets a page saying so, with the ways on;
/// the API's clients (under `/api/`, or not asking for HTML) keep their problem document.
public struct MissingPages: RouterMiddleware {
    public typealias Context = BoxOfficeRequestContext
    let renderer: PageRenderer

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            guard request.method == .get, !request.uri.path.hasPrefix("/api/"),
                  request.headers[.accept]?.contains("text/html") == true
            else { throw error }
            return ErrorPages.page(for: WebError.notFound("There is no page at this address."),
                                   context: WebRequestContext(context: context), renderer: renderer)
        }
    }
}

/// The sign-in and sign-up pages' rate limit, answered as a page (with its `Retry-After`) rather
/// than the API's problem document: the limit runs before the pages' own context exists.
struct LimitedPages: RouterMiddleware {
    typealias Context = BoxOfficeRequestContext
    let renderer: PageRenderer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem where problem.status == .tooManyRequests {
            return ErrorPages.page(for: problem, context: WebRequestContext(context: context), renderer: renderer)
        }
    }
}
