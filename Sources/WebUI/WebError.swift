import BoxOfficeEdge
import HTTPTypes

/// What the web pages refuse with, beyond the services' own errors (which keep their problem
/// details' titles and messages on the error page).
enum WebError: Error, ProblemConvertible {
    /// The page needs a signed-in person: they are sent to sign in and brought back.
    case signInRequired(returnTo: String)
    case forbidden(String)
    /// The form's CSRF token is missing or not this browser's (an old tab, or another site).
    case staleForm
    case notFound(String)
    case invalidForm(String)

    var problem: Problem {
        switch self {
        case .signInRequired: .unauthenticated
        case .forbidden(let detail): Problem(.forbidden, code: "forbidden", title: "Not allowed", detail: detail)
        case .staleForm:
            Problem(.forbidden, code: "stale_form", title: "This form has expired",
                    detail: "Go back, reload the page and send it again.")
        case .notFound(let what): .notFound(what)
        case .invalidForm(let detail): Problem(.badRequest, code: "invalid_form", title: "Please check the form", detail: detail)
        }
    }
}
