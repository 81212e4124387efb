import Accounts
import BoxOfficeEdge
import Hummingbird
import Notifications

/// Where the links in our emails land: confirming an address, setting a new password, and
/// stopping a kind of message. Opening a link changes nothing (mail scanners open links too);
/// the person's button does, or a mail client's one-click unsubscribe post (RFC 8058).
struct MailLinkPages: Sendable {
    typealias Context = WebRequestContext
    let renderer: PageRenderer
    let accounts: AccountService
    let unsubscribeLinks: UnsubscribeLinks

    func addRoutes(credentials: RouterGroup<Context>, other: RouterGroup<Context>) {
        other.get("verify-email", use: verifyPage)
        credentials.post("verify-email", use: verify)
        other.get("reset-password", use: resetPage)
        credentials.post("reset-password/request", use: requestReset)
        credentials.post("reset-password", use: reset)
        other.get("unsubscribe/{token}", use: unsubscribePage)
        other.post("unsubscribe/{token}", use: unsubscribe)
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
        var isUnsubscribe = false
        var showsSettings = false
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

    // MARK: unsubscribing

    static func describe(_ kind: UnsubscribeLinks.Kind) -> String {
        switch kind {
        case .reminders: "reminders of your bookings before the showtime"
        case .offers: "offers and new releases"
        }
    }

    static let invalidLink = WebError.notFound(
        "This link is not one of ours, or no longer works. Choose what we send you in your account's settings.")

    @Sendable func unsubscribePage(_ request: Request, context: Context) async throws -> Response {
        let token = try context.parameters.require("token")
        guard let (_, kind) = unsubscribeLinks.verify(token) else { throw Self.invalidLink }
        var content = Content(heading: "Stop these emails?", token: token, isUnsubscribe: true)
        content.notice = "You will no longer get \(Self.describe(kind)). Tickets and messages about your bookings still come."
        return renderer.render("mail-link", title: content.heading, content: content, context: context)
    }

    /// From our page's button, or a mail client's one-click post (`List-Unsubscribe=One-Click`,
    /// without cookies: the signed link is the authority, so this path is exempt from CSRF).
    @Sendable func unsubscribe(_ request: Request, context: Context) async throws -> Response {
        let token = try context.parameters.require("token")
        guard let (userID, kind) = unsubscribeLinks.verify(token) else { throw Self.invalidLink }
        do {
            _ = try await accounts.changeConsents(of: userID) { consents in
                switch kind {
                case .reminders: consents.reminderEmail = false
                case .offers: consents.marketingEmail = false
                }
            }
        } catch AccountError.userNotFound {
            // An erased account gets nothing anyway.
        }
        var content = Content(heading: "Done", showsSettings: true)
        content.notice = "You will get no more \(Self.describe(kind)). You can turn them back on in your account's settings."
        return renderer.render("mail-link", title: "Unsubscribed", content: content, context: context)
    }
}
