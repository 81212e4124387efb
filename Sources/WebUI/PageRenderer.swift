import BoxOfficeEdge
import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore

/// Renders pages from the templates in `Templates/` (each page fills the `main` block of
/// `layout`). Mustache escapes every `{{value}}`; the few `{{{raw}}}` places take markup this
/// module built and escaped itself (the seat map, the ticket's QR code).
struct PageRenderer: Sendable {
    let library: MustacheLibrary
    let assets: StaticAssets

    /// What every page's layout shows around its content.
    struct Page<Content>: Sendable where Content: Sendable {
        let title: String
        let content: Content
        let csrf: String
        let signedIn: Bool
        let isStaff: Bool
        let isAdmin: Bool
        let stylesheet: String
        let icon: String
        let scripts: [String]
        /// The search box's text, on the search page.
        let query: String
    }

    static func load() async throws -> PageRenderer {
        guard let resources = Bundle.module.resourceURL else { preconditionFailure("the web module's resources are missing") }
        let library = try await MustacheLibrary(directory: resources.appendingPathComponent("Templates").path)
        let assets = try StaticAssets(directory: resources.appendingPathComponent("Static"))
        return PageRenderer(library: library, assets: assets)
    }

    /// A page as HTML. Pages are personal (a name, a CSRF token) and often live (seats), so
    /// browsers and proxies keep none.
    func render<Content: Sendable>(
        _ template: String, title: String, content: Content, context: WebRequestContext, status: HTTPResponse.Status = .ok,
        scripts: [String] = [], query: String = ""
    ) -> Response {
        let identity = context.identity
        let page = Page(
            title: title, content: content, csrf: context.csrfToken, signedIn: identity != nil,
            isStaff: identity.map { $0.isAdmin || (!$0.theatreIDs.isEmpty && $0.roles.contains(.staff)) } ?? false,
            isAdmin: identity?.isAdmin ?? false, stylesheet: assets.url("app.css"), icon: assets.url("icon.svg"),
            scripts: (["app.js"] + scripts).map(assets.url), query: query)
        guard let html = library.render(page, withTemplate: template) else { preconditionFailure("no template \(template)") }
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "private, no-store"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// `303 See Other`: where a form's post sends the browser next.
    static func redirect(to location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }
}
