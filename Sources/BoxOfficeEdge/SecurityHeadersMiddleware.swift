import HTTPTypes
import Hummingbird

/// Headers every response carries: no MIME sniffing, no framing, no referrer leaking paths,
/// a content security policy that allows only our own scripts and styles, and HSTS when the
/// server speaks TLS (sending HSTS over plain HTTP is meaningless and browsers ignore it).
public struct SecurityHeadersMiddleware: RouterMiddleware {
    public typealias Context = BoxOfficeRequestContext

    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"

    let isTLS: Bool

    public init(isTLS: Bool) {
        self.isTLS = isTLS
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.xFrameOptions] = "DENY"
        response.headers[.referrerPolicy] = "strict-origin-when-cross-origin"
        response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        if isTLS { response.headers[.strictTransportSecurity] = "max-age=63072000; includeSubDomains" }
        return response
    }
}

/// Cross-origin access for the browser origins listed, and no others: the request's `Origin`
/// is echoed only when it is on the list (never `*`, since requests carry credentials);
/// preflights are answered here.
public struct AllowedOriginsMiddleware: RouterMiddleware {
    public typealias Context = BoxOfficeRequestContext

    let origins: Set<String>
    static let allowedMethods = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
    static let allowedHeaders = "Authorization, Content-Type, Idempotency-Key, X-API-Key, X-Request-ID"
    static let exposedHeaders = "Location, Retry-After, RateLimit, RateLimit-Policy, X-Request-ID, ETag"

    public init(origins: [String]) {
        self.origins = Set(origins)
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let origin = request.headers[.origin], origins.contains(origin) else {
            return try await next(request, context)
        }
        var response: Response
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            response = Response(status: .noContent)
            response.headers[.accessControlAllowMethods] = Self.allowedMethods
            response.headers[.accessControlAllowHeaders] = Self.allowedHeaders
            response.headers[.accessControlMaxAge] = "600"
        } else {
            response = try await next(request, context)
            response.headers[.accessControlExposeHeaders] = Self.exposedHeaders
        }
        response.headers[.accessControlAllowOrigin] = origin
        response.headers[.accessControlAllowCredentials] = "true"
        response.headers[.vary] = "Origin"
        return response
    }
}

extension HTTPField.Name {
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
}
