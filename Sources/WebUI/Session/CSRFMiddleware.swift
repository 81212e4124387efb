import BoxOfficeEdge
import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// Refuses a form posted from anywhere but our own pages: every form carries the browser's
/// CSRF token in a hidden field (`csrf`) and it must equal the one in the browser's cookie, which
/// another site can neither read nor set (the double-submit pattern); an `Origin` header, when
/// the browser sends one, must be this site. The session cookies' `SameSite=Lax` already keeps
/// them off other sites' posts: this is the second lock. A browser without a token is given one.
struct CSRFMiddleware: RouterMiddleware {
    typealias Context = WebRequestContext

    let cookies: SessionCookies
    let renderer: PageRenderer

    struct Field: Decodable {
        var csrf: String?
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        var request = request
        let presented = request.cookies[SessionCookies.csrfName]?.value ?? ""
        let isNew = presented.utf8.count != Self.tokenLength
        context.csrfToken = isNew ? Self.generate() : presented
        var response: Response
        if let refusal = try await refusal(of: &request, context: context, presented: isNew ? nil : presented) {
            response = ErrorPages.page(for: refusal, context: context, renderer: renderer)
        } else {
            response = try await next(request, context)
        }
        if isNew { response.setCookie(cookies.csrf(context.csrfToken)) }
        return response
    }

    /// Why a post is refused, or nil when it is a form of ours (or not a post).
    private func refusal(of request: inout Request, context: Context, presented: String?) async throws -> WebError? {
        guard request.method != .get, request.method != .head else { return nil }
        // A signed unsubscribe link is its own authority, and mail clients post to it without
        // cookies or a token (RFC 8058); all it can do is stop messages to its owner.
        if request.uri.path.hasPrefix(Self.unsubscribePathPrefix) { return nil }
        if let origin = request.headers[.origin], !Self.isSameOrigin(origin, host: request.head.authority) {
            return .forbidden("This form came from another site.")
        }
        let limit = WebRequestContext.formBytesMax(forPath: request.uri.path)
        // Large forms are for staff only: nobody else gets to make the server read megabytes.
        if limit > WebRequestContext.formBytesMax, context.identity == nil { return .forbidden("Sign in to send this form.") }
        let body = try await request.collectBody(upTo: limit)
        let field = try? URLEncodedFormDecoder().decode(Field.self, from: String(buffer: body))
        guard let presented, let sent = field?.csrf, Self.constantTimeEqual(sent, presented) else { return .staleForm }
        return nil
    }

    static let tokenLength = 43
    static let unsubscribePathPrefix = "/unsubscribe/"

    /// 32 random bytes, base64url without padding (43 characters).
    static func generate() -> String {
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        return bytes.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let a = Array(a.utf8), b = Array(b.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    /// Whether `origin` (`http://host:port`) names the host the request was sent to.
    static func isSameOrigin(_ origin: String, host: String?) -> Bool {
        guard let host, let url = URL(string: origin), let originHost = url.host else { return false }
        let originAuthority = url.port.map { "\(originHost):\($0)" } ?? originHost
        return originAuthority.lowercased() == host.lowercased()
    }
}
