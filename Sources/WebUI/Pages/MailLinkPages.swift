import Accounts
import BoxOfficeEdge
import Hummingbird

/// Where the links in our emails land: confirming an address, and setting a new password.
/// Opening a link changes nothing (mail scanners open links too); the person's button does.
struct MailLinkPages: Sendable {
    typealias Context = WebRequestContext
    let renderer: PageRenderer
    let accounts: AccountService

    func addRoutes(credentials: RouterGroup<Context>, other: RouterGroup<Context>) {
        other.get("verify-email", use: verifyPage)
        credentials.post("verify-email", use: verify)
        other.get("reset-password", use: resetPage)
        credentials.post("reset-password/request", use: requestReset)
        credentials.post("reset-password", use: reset)
    }

    struct Content: Sendable {
        var heading: String
        var token = ""
        var notice: String?
        var error: ErrorView?
        var isVerify = false
        var isResetRequest = false
        var isReset = false
        var isDone = false
    }

    struct TokenForm: Decodable {
        var token: String
    }

    @Sendable func verifyPage(_ request: Request, context: Context) async throws -> Response {
        let token = request.uri.queryParameters["token"].map(String.init) ?? ""
        var content = Content(heading: "Confirm your email address", token: token, isVerify: !token.isEmpty)
        if token.isEmpty { content.notice = "This link is incomplete: open the whole link from the email." }
        return renderer.render("mail-link", title: content.heading, content: content, context: context)
    }

    @Sendable func verify(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let form = try await request.form(TokenForm.self, context: context)
        var content = Content(heading: "Confirm your email address")
        do {
            try await accounts.verifyEmail(token: form.token)
            content.heading = "Email address confirmed"
            content.notice = "Thank you: your tickets and booking messages will reach you here."
            content.isDone = context.identity == nil
        } catch let error as AccountError {
            content.error = ErrorView(error, context: context)
        }
        return renderer.render("mail-link", title: content.heading, content: content, context: context, status: content.error?.status ?? .ok)
    }

    @Sendable func resetPage(_ request: Request, context: Context) async throws -> Response {
        let token = request.uri.queryParameters["token"].map(String.init) ?? ""
        let content = token.isEmpty
            ? Content(heading: "Forgot your password?", isResetRequest: true)
            : Content(heading: "Choose a new password", token: token, isReset: true)
        return renderer.render("mail-link", title: content.heading, content: content, context: context)
    }

    struct EmailForm: Decodable {
        var email: String
    }

    @Sendable func requestReset(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let form = try await request.form(EmailForm.self, context: context)
        var content = Content(heading: "Forgot your password?", isResetRequest: true)
        do {
            try await accounts.requestPasswordReset(email: form.email)
            // The same answer whether or not the address has an account.
            content.heading = "Check your email"
            content.notice = "If \(form.email) has an account here, a link to set a new password is on its way. It works for a limited time."
            content.isResetRequest = false
        } catch let error as AccountError {
            content.error = ErrorView(error, context: context)
        }
        return renderer.render("mail-link", title: content.heading, content: content, context: context, status: content.error?.status ?? .ok)
    }

    struct ResetForm: Decodable {
        var token: String
        var password: String
    }

    @Sendable func reset(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let form = try await request.form(ResetForm.self, context: context)
        var content = Content(heading: "Choose a new password", token: form.token, isReset: true)
        do {
            try await accounts.resetPassword(token: form.token, newPassword: form.password)
            content = Content(heading: "Password changed", notice: "Sign in with your new password; every other session was ended.",
                              isDone: true)
        } catch let error as AccountError {
            content.error = ErrorView(error, context: context)
        }
        return renderer.render("mail-link", title: content.heading, content: content, context: context, status: content.error?.status ?? .ok)
    }
}
