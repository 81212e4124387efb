import BoxOfficeEdge
import Catalog
import Hummingbird
import HummingbirdAuth

/// The context of the web pages' routes: the box office's, plus what a page needs to render a
/// form (the browser's CSRF token) and the session cookies to set on the way out.
public struct WebRequestContext: ChildRequestContext, AuthRequestContext {
    /// A form larger than this is refused with 413 before any handler reads it.
    static let formBytesMax = 16 * 1024
    /// A screen's layout document, URL-encoded (JSON's punctuation triples in size), may be an
    /// arena's: the screen forms take as much as the API's screen import, three times over.
    static let layoutFormBytesMax = 3 * CatalogController.screenBytesMax

    /// The largest form the page at `path` takes.
    static func formBytesMax(forPath path: String) -> Int {
        path.hasPrefix("/staff/") && (path.hasSuffix("/screens") || path.hasSuffix("/screens/preview")) ? layoutFormBytesMax : formBytesMax
    }

    public var coreContext: CoreRequestContextStorage
    public var identity: Identity?
    /// The address the request came from (without the port), for login records and limits.
    public let clientAddress: String
    /// This browser's CSRF token: every form carries it back (see ``CSRFMiddleware``).
    var csrfToken = ""

    public init(context: BoxOfficeRequestContext) {
        coreContext = context.coreContext
        identity = context.identity
        clientAddress = context.clientAddress
    }

    public var maxUploadSize: Int { Self.formBytesMax }

    /// The signed-in person; without one, the page sends the browser to sign in and come back
    /// to `returnTo`.
    func signedIn(returnTo: String) throws -> Identity {
        guard let identity else { throw WebError.signInRequired(returnTo: returnTo) }
        return identity
    }
}
