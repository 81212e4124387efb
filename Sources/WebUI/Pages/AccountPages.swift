import Accounts
import BoxOfficeEdge
import Foundation
import Hummingbird

/// Signing up, in and out in the browser, through the same account service as the API: the
/// same password rules, login throttle and sessions (listed with the API's), kept in cookies.
struct AccountPages: Sendable {
    typealias Context = WebRequestContext
    let renderer: PageRenderer
    let accounts: AccountService
    let cookies: SessionCookies

    func addRoutes(credentials: RouterGroup<Context>, other: RouterGroup<Context>) {
        other.get("signin", use: signInPage)
        credentials.post("signin", use: signIn)
        other.get("signup", use: signUpPage)
        credentials.post("signup", use: signUp)
        other.post("signout", use: signOut)
    }

    struct Content: Sendable {
        let next: String
        let email: String
        let name: String
        let error: ErrorView?
    }

    /// Where to go after signing in: a path on this site only (never `//elsewhere`).
    static func next(_ raw: String?) -> String {
        guard let raw, raw.hasPrefix("/"), !raw.hasPrefix("//"), !raw.hasPrefix("/\\"), raw.utf8.count <= 512,
              raw.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F })
        else { return "/" }
        return raw
    }

    @Sendable func signInPage(_ request: Request, context: Context) async throws -> Response {
        let next = Self.next(request.uri.queryParameters["next"].map(String.init))
        if context.identity != nil { return PageRenderer.redirect(to: next) }
        return renderer.render("signin", title: "Sign in", content: Content(next: next, email: "", name: "", error: nil), context: context)
    }

    struct SignInForm: Decodable {
        var email: String
        var password: String
        var next: String?
    }

    @Sendable func signIn(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let form = try await request.form(SignInForm.self, context: context)
        let next = Self.next(form.next)
        do {
            let tokens = try await accounts.logIn(email: form.email, password: form.password, client: client(request, context))
            var response = PageRenderer.redirect(to: next)
            for cookie in cookies.signedIn(tokens) { response.setCookie(cookie) }
            return response
        } catch let error as AccountError {
            let content = Content(next: next, email: form.email, name: "", error: ErrorView(error, context: context))
            return renderer.render("signin", title: "Sign in", content: content, context: context, status: content.error!.status)
        }
    }

    @Sendable func signUpPage(_ request: Request, context: Context) async throws -> Response {
        let next = Self.next(request.uri.queryParameters["next"].map(String.init))
        return renderer.render("signup", title: "Create an account", content: Content(next: next, email: "", name: "", error: nil),
                               context: context)
    }

    struct SignUpForm: Decodable {
        var name: String
        var email: String
        var password: String
        var next: String?
    }

    @Sendable func signUp(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let form = try await request.form(SignUpForm.self, context: context)
        let next = Self.next(form.next)
        do {
            _ = try await accounts.signUp(.init(email: form.email, password: form.password, name: form.name))
            let tokens = try await accounts.logIn(email: form.email, password: form.password, client: client(request, context))
            var response = PageRenderer.redirect(to: next)
            for cookie in cookies.signedIn(tokens) { response.setCookie(cookie) }
            return response
        } catch let error as AccountError {
            let content = Content(next: next, email: form.email, name: form.name, error: ErrorView(error, context: context))
            return renderer.render("signup", title: "Create an account", content: content, context: context, status: content.error!.status)
        }
    }

    @Sendable func signOut(_ request: Request, context: Context) async throws -> Response {
        if let refresh = request.cookies[SessionCookies.refreshName]?.value, !refresh.isEmpty {
            try await accounts.logOut(refreshToken: refresh)
        }
        var response = PageRenderer.redirect(to: "/")
        for cookie in cookies.signedOut() { response.setCookie(cookie) }
        return response
    }

    private func client(_ request: Request, _ context: Context) -> AccountService.ClientDescription {
        AccountService.ClientDescription(userAgent: request.headers[.userAgent] ?? "", address: context.clientAddress)
    }
}
