import Accounts
import BoxOfficeEdge
import Foundation
import Hummingbird

/// Signs the browser in from its cookies: a current access token is the identity; an expired
/// one is renewed with the refresh token (and the new pair set on the response); a refresh
/// token that no longer works signs the browser out. A request without cookies goes on
/// anonymous: pages that need a person send it to sign in.
struct WebSessionMiddleware: RouterMiddleware {
    typealias Context = WebRequestContext

    let verifier: AccessTokenVerifier
    let refresher: SessionRefresher
    let cookies: SessionCookies

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        var setting: [Cookie] = []
        let access = request.cookies[SessionCookies.accessName]?.value ?? ""
        let refresh = request.cookies[SessionCookies.refreshName]?.value ?? ""
        if !access.isEmpty, let identity = await identity(ofAccessToken: access) {
            context.identity = identity
        } else if !refresh.isEmpty {
            let client = AccountService.ClientDescription(
                userAgent: request.headers[.userAgent] ?? "", address: context.clientAddress)
            if let tokens = try? await refresher.refresh(refresh, client: client),
               let identity = await identity(ofAccessToken: tokens.accessToken) {
                context.identity = identity
                setting = cookies.signedIn(tokens)
            } else {
                setting = cookies.signedOut()
            }
        }
        var response = try await next(request, context)
        for cookie in setting { response.setCookie(cookie) }
        return response
    }

    private func identity(ofAccessToken token: String) async -> Identity? {
        guard let claims = try? await verifier.verify(token) else { return nil }
        return try? claims.identity()
    }
}

/// Renews sessions with their refresh tokens, once per token: a page, its scripts and its live
/// feed often arrive together with the same expired access token, and spending a refresh token
/// twice revokes the session (it looks like a stolen token). Requests with the same token share
/// one renewal for ``sharedFor``. Within one instance; across instances behind a balancer,
/// sticky sessions or the access token's lifetime keep such races rare.
actor SessionRefresher {
    /// Renewals remembered at once; the oldest are forgotten first.
    static let renewalsMax = 10_000
    static let sharedFor: Duration = .seconds(30)

    private let accounts: AccountService
    private var renewals: [String: (task: Task<AccountService.TokenPair, any Error>, at: ContinuousClock.Instant)] = [:]

    init(accounts: AccountService) {
        self.accounts = accounts
    }

    func refresh(_ token: String, client: AccountService.ClientDescription) async throws -> AccountService.TokenPair {
        let now = ContinuousClock.now
        if let renewal = renewals[token], now - renewal.at < Self.sharedFor { return try await renewal.task.value }
        renewals = renewals.filter { now - $0.value.at < Self.sharedFor }
        if renewals.count >= Self.renewalsMax, let oldest = renewals.min(by: { $0.value.at < $1.value.at }) {
            renewals[oldest.key] = nil
        }
        let accounts = self.accounts
        let task = Task { try await accounts.refresh(token, client: client) }
        renewals[token] = (task, now)
        return try await task.value
    }
}
