/// Why an account operation was refused; the routes turn each into a problem document.
public enum AccountError: Error, Equatable {
    case invalidEmail(EmailAddress.Invalid)
    case invalidPassword(field: String, PasswordRules.Violation)
    case invalidField(field: String, message: String)
    case emailTaken
    /// Wrong email or password (never says which, so accounts cannot be enumerated).
    case invalidCredentials
    case locked(retryAfterSeconds: Int)
    case accountDisabled
    case invalidRefreshToken
    /// A rotated refresh token came back: its whole session was revoked.
    case refreshTokenReused
    case invalidAccountToken
    case userNotFound
    case sessionNotFound
    case partnerKeyNotFound
}
