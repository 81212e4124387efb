import HTTPTypes
import Hummingbird

extension Router where Context == BoxOfficeRequestContext {
    /// The methods a client may try on a path we serve.
    static var answeredMethods: [HTTPRequest.Method] {
        [.get, .head, .post, .put, .patch, .delete, .options, .trace, HTTPRequest.Method("QUERY")!]
    }

    /// Answers a known path asked with a method it does not serve with 405 and `Allow` (RFC 9110
    /// §15.5.6), instead of the router's 404. Call once, after every route is added.
    public func answerUnsupportedMethods() {
        for (_, routes) in Dictionary(grouping: routes, by: { $0.path.description }) {
            let served = Set(routes.map(\.method))
            let allow = served.map(\.rawValue).sorted().joined(separator: ", ")
            for method in Self.answeredMethods where !served.contains(method) {
                on(routes[0].path, method: method) { _, _ -> Response in
                    throw Problem(.methodNotAllowed, code: "method_not_allowed", title: "This method is not allowed here",
                                  detail: "Allowed: \(allow).", headers: [.allow: allow])
                }
            }
        }
    }
}
