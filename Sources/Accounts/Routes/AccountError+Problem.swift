import BoxOfficeEdge
import HTTPTypes

extension AccountError: ProblemConvertible {
    /// The problem document each refusal is answered with.
    public var problem: Problem {
        switch self {
        case .invalidEmail(let reason):
            .validation(field: "email", "\(reason)")
        case .invalidPassword(let field, let violation):
            .validation(field: field, "\(violation)")
        case .invalidField(let field, let message):
            .validation(field: field, message)
        case .emailTaken:
            .conflict(code: "email_taken", title: "An account with this email already exists",
                      detail: "Log in, or reset the password if it is forgotten.")
        case .invalidCredentials:
            Problem(.unauthorized, code: "invalid_credentials", title: "The email or password is wrong")
        case .locked(let seconds):
            Problem(.tooManyRequests, code: "account_locked", title: "Too many failed logins for this account",
                    detail: "Try again in \(seconds) seconds, or reset the password.",
                    headers: [.retryAfter: "\(seconds)"])
        case .accountDisabled:
            Problem(.forbidden, code: "account_disabled", title: "This account is disabled")
        case .invalidRefreshToken:
            Problem(.unauthorized, code: "invalid_refresh_token", title: "The refresh token is not valid",
                    detail: "It is unknown, expired, or its session was ended. Log in again.")
        case .refreshTokenReused:
            Problem(.unauthorized, code: "refresh_token_reused", title: "This refresh token was already used",
                    detail: "Its session has been ended to protect the account. Log in again.")
        case .invalidAccountToken:
            Problem(.badRequest, code: "invalid_token", title: "The link is not valid",
                    detail: "It is unknown, already used or expired. Ask for a new one.")
        case .userNotFound:
            .notFound("No such user.")
        case .sessionNotFound:
            .notFound("No such active session.")
        case .partnerKeyNotFound:
            .notFound("No such active API key.")
        }
    }
}
