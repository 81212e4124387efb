import Accounts
import Foundation
import Hummingbird

/// The cookies a signed-in browser holds: the access token (as the API's bearer token, so the
/// pages and the API verify one thing) and the refresh token that renews it, both `HttpOnly`
/// (no script reads them) and `SameSite=Lax` (no other site's form or script sends them); and
/// the CSRF token the forms echo. `Secure` wherever the site is served over HTTPS.
struct SessionCookies: Sendable {
    static let accessName = "bo_access"
    static let refreshName = "bo_refresh"
    static let csrfName = "bo_csrf"

    let isSecure: Bool
    let accessLifetime: Duration
    let refreshLifetime: Duration

    func signedIn(_ tokens: AccountService.TokenPair) -> [Cookie] {
        [
            cookie(Self.accessName, tokens.accessToken, maxAge: accessLifetime),
            cookie(Self.refreshName, tokens.refreshToken, maxAge: refreshLifetime),
        ]
    }

    func signedOut() -> [Cookie] {
        [cookie(Self.accessName, "", maxAge: .zero), cookie(Self.refreshName, "", maxAge: .zero)]
    }

    func csrf(_ token: String) -> Cookie {
        cookie(Self.csrfName, token, maxAge: refreshLifetime)
    }

    private func cookie(_ name: String, _ value: String, maxAge: Duration) -> Cookie {
        Cookie(name: name, value: value, maxAge: Int(maxAge.components.seconds), path: "/", secure: isSecure, httpOnly: true,
               sameSite: .lax)
    }
}
