import BoxOfficeEdge
import Catalog
import Foundation
import Hummingbird
import Notifications

/// Messages the outbox worker gave up on, for admins: what, to whom, why, and a button to send
/// each again; with the queue's size and lag.
struct NotificationAdminPages: Sendable {
    typealias Context = WebRequestContext
    let renderer: PageRenderer
    let notifications: NotificationService

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("admin/notifications", use: page)
        group.post("admin/notifications/{messageId}/retry", use: retry)
    }

    struct Content: Sendable {
        let due: Int
        let scheduled: Int
        let dead: Int
        let lag: String
        let letters: [Letter]
        let mail: String
        let notice: String?
    }

    struct Letter: Sendable {
        let id: String
        let topic: String
        let recipient: String
        let attempts: Int
        let error: String
        let created: String
    }

    @Sendable func page(_ request: Request, context: Context) async throws -> Response {
        try AdminCatalogPages.requireAdmin(context, returnTo: "/admin/notifications")
        let backlog = try await notifications.backlog()
        let utc = LocalTime(zoneIdentifier: "UTC")
        let content = Content(
            due: backlog.due, scheduled: backlog.scheduled, dead: backlog.dead,
            lag: backlog.oldestDueWaited.map { "\($0.components.seconds) s" } ?? "none",
            letters: try await notifications.deadLetters().map {
                Letter(id: $0.id, topic: $0.topic, recipient: $0.recipientUserID ?? "—", attempts: $0.attempts, error: $0.lastError ?? "",
                       created: utc.full($0.createdAt) + " UTC")
            },
            mail: notifications.mailDescription,
            notice: request.uri.queryParameters["retried"] != nil ? "The message is queued again." : nil)
        return renderer.render("admin-notifications", title: "Notifications", content: content, context: context)
    }

    @Sendable func retry(_ request: Request, context: Context) async throws -> Response {
        try AdminCatalogPages.requireAdmin(context, returnTo: "/admin/notifications")
        let id = try context.parameters.require("messageId")
        guard Identifiers.isGenerated(id), try await notifications.retry(id: id) else {
            throw WebError.notFound("No such dead-lettered message (it may have been sent again already).")
        }
        return PageRenderer.redirect(to: "/admin/notifications?retried=1")
    }
}
