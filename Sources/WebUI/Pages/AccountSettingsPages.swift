import Accounts
import BoxOfficeEdge
import Catalog
import Foundation
import Hummingbird

/// A person's own account: profile and notification preferences, signed-in sessions (ending
/// any), a new password, a copy of their data, and deleting the account.
struct AccountSettingsPages: Sendable {
    typealias Context = WebRequestContext
    let renderer: PageRenderer
    let accounts: AccountService
    let cookies: SessionCookies

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("account", use: page)
        group.post("account/profile", use: updateProfile)
        group.post("account/password", use: changePassword)
        group.post("account/sessions/{sessionId}/end", use: endSession)
        group.get("account/export", use: export)
        group.post("account/delete", use: delete)
    }

    struct Content: Sendable {
        let name: String
        let email: String
        let isEmailVerified: Bool
        let phone: String
        let city: String
        let languages: String
        let genres: String
        let messageLanguages: [Language]
        let marketingEmail: Bool
        let reminderEmail: Bool
        let sms: Bool
        let push: Bool
        let sessions: [SessionRow]
        let notice: String?
        let error: ErrorView?
    }

    struct Language: Sendable {
        let code: String
        let name: String
        let isChosen: Bool
    }

    struct SessionRow: Sendable {
        let id: String
        let device: String
        let lastUsed: String
        let isThisOne: Bool
    }

    @Sendable func page(_ request: Request, context: Context) async throws -> Response {
        try await render(context: context, notice: request.uri.queryParameters["done"].flatMap { Self.notices[String($0)] }, error: nil)
    }

    static let notices = [
        "profile": "Your profile was saved.", "password": "Your password was changed; your other sessions were ended.",
        "session": "That session was ended.",
    ]

    func render(context: Context, notice: String?, error: ErrorView?) async throws -> Response {
        let identity = try context.signedIn(returnTo: "/account")
        let user = try await accounts.user(id: identity.subject)
        let utc = LocalTime(zoneIdentifier: "UTC")
        let sessions = try await accounts.sessions(of: identity.subject).map { session in
            SessionRow(id: session.id, device: session.userAgent.isEmpty ? "Unknown device" : String(session.userAgent.prefix(80)),
                       lastUsed: utc.full(Date(timeIntervalSince1970: TimeInterval(session.lastUsedAtMs) / 1000)) + " UTC",
                       isThisOne: session.id == identity.sessionID)
        }
        let content = Content(
            name: user.name, email: user.email.description, isEmailVerified: user.emailVerifiedAt != nil, phone: user.phone ?? "",
            city: user.city ?? "", languages: user.preferredLanguages.joined(separator: ", "),
            genres: user.preferredGenres.joined(separator: ", "),
            messageLanguages: ProfileRules.messageLanguages.map { Language(code: $0.key, name: $0.value, isChosen: $0.key == (user.messageLanguage ?? "en")) },
            marketingEmail: user.consents.marketingEmail,
            reminderEmail: user.consents.reminderEmail, sms: user.consents.sms, push: user.consents.push, sessions: sessions, notice: notice, error: error)
        return renderer.render("account", title: "Your account", content: content, context: context, status: error?.status ?? .ok)
    }

    struct ProfileForm: Decodable {
        var name: String
        var phone: String?
        var city: String?
        var languages: String?
        var genres: String?
        var messageLanguage: String?
        var marketingEmail: String?
        var reminderEmail: String?
        var sms: String?
        var push: String?
    }

    @Sendable func updateProfile(_ request: Request, context: Context) async throws -> Response {
        let identity = try context.signedIn(returnTo: "/account")
        var request = request
        let form = try await request.form(ProfileForm.self, context: context)
        func list(_ text: String?) -> [String] {
            (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        func optional(_ text: String?) -> String? {
            let trimmed = (text ?? "").trimmingCharacters(in: .whitespaces)
            return trimmed.isEmpty ? nil : trimmed
        }
        let change = AccountService.ProfileChange(
            name: form.name, phone: .some(optional(form.phone)), city: .some(optional(form.city)),
            preferredLanguages: list(form.languages), preferredGenres: list(form.genres),
            consents: Consents(marketingEmail: form.marketingEmail == "on", sms: form.sms == "on", push: form.push == "on",
                               reminderEmail: form.reminderEmail == "on"),
            messageLanguage: .some(form.messageLanguage))
        do {
            _ = try await accounts.updateProfile(of: identity.subject, change)
            return PageRenderer.redirect(to: "/account?done=profile")
        } catch let error as AccountError {
            return try await render(context: context, notice: nil, error: ErrorView(error, context: context))
        }
    }

    struct PasswordForm: Decodable {
        var current: String
        var new: String
    }

    @Sendable func changePassword(_ request: Request, context: Context) async throws -> Response {
        let identity = try context.signedIn(returnTo: "/account")
        var request = request
        let form = try await request.form(PasswordForm.self, context: context)
        do {
            try await accounts.changePassword(of: identity.subject, current: form.current, new: form.new, keepingSession: identity.sessionID)
            return PageRenderer.redirect(to: "/account?done=password")
        } catch let error as AccountError {
            return try await render(context: context, notice: nil, error: ErrorView(error, context: context))
        }
    }

    @Sendable func endSession(_ request: Request, context: Context) async throws -> Response {
        let identity = try context.signedIn(returnTo: "/account")
        let sessionID = try context.parameters.require("sessionId")
        try await accounts.revokeSession(sessionID, of: identity.subject)
        if sessionID == identity.sessionID {
            var response = PageRenderer.redirect(to: "/")
            for cookie in cookies.signedOut() { response.setCookie(cookie) }
            return response
        }
        return PageRenderer.redirect(to: "/account?done=session")
    }

    /// Everything kept about the person, as the API's export, downloaded as a file.
    @Sendable func export(_ request: Request, context: Context) async throws -> Response {
        let identity = try context.signedIn(returnTo: "/account")
        let export = try await accounts.export(userID: identity.subject)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Response(
            status: .ok,
            headers: [.contentType: "application/json", .contentDisposition: "attachment; filename=\"boxoffice-account.json\"",
                      .cacheControl: "private, no-store"],
            body: .init(byteBuffer: ByteBuffer(data: try encoder.encode(export))))
    }

    struct DeleteForm: Decodable {
        var password: String
    }

    @Sendable func delete(_ request: Request, context: Context) async throws -> Response {
        let identity = try context.signedIn(returnTo: "/account")
        var request = request
        let form = try await request.form(DeleteForm.self, context: context)
        do {
            try await accounts.erase(userID: identity.subject, confirmingPassword: form.password, requestedBy: "self")
        } catch let error as AccountError {
            return try await render(context: context, notice: nil, error: ErrorView(error, context: context))
        }
        var response = PageRenderer.redirect(to: "/?deleted=1")
        for cookie in cookies.signedOut() { response.setCookie(cookie) }
        return response
    }
}
