import Hummingbird

/// Answers who an authenticated identity is now: its account's current roles and theatres, or
/// nil when the account was disabled or erased since its access token was issued.
public protocol CurrentIdentities: Sendable {
    func current(_ identity: Identity) async throws -> Identity?
}

/// For routes that grant power (admin, theatre staff): the roles an access token carries are
/// those of when it was issued, up to fifteen minutes ago, so these routes look the account
/// up again (through a cache of about a second) and act on what it is now. A disabled or erased
/// account is refused (401); a demoted one is judged by its new roles.
public struct CurrentIdentityMiddleware: RouterMiddleware {
    public typealias Context = BoxOfficeRequestContext
    let identities: any CurrentIdentities

    public init(_ identities: any CurrentIdentities) {
        self.identities = identities
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let identity = context.identity, identity.kind == .user else { return try await next(request, context) }
        guard let current = try await identities.current(identity) else {
            throw Problem(.unauthorized, code: "account_inactive", title: "This account is disabled or erased",
                          headers: [.wwwAuthenticate: #"Bearer realm="boxoffice", error="invalid_token""#])
        }
        var context = context
        context.identity = current
        return try await next(request, context)
    }
}
