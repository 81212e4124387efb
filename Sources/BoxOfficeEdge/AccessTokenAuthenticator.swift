import Hummingbird
import HummingbirdAuth

/// Establishes the identity of a request that carries `Authorization: Bearer <access token>`.
///
/// A request without the header goes on anonymous (routes that need an identity refuse it with
/// 401); one whose token does not verify is refused here with 401 and the reason, never treated
/// as anonymous, so a client learns at once that its token is bad.
public struct AccessTokenAuthenticator: AuthenticatorMiddleware {
    public typealias Context = BoxOfficeRequestContext
    public let verifier: AccessTokenVerifier

    public init(verifier: AccessTokenVerifier) {
        self.verifier = verifier
    }

    public func authenticate(request: Request, context: Context) async throws -> Identity? {
        guard let authorization = request.headers[.authorization] else { return nil }
        guard authorization.hasPrefix("Bearer ") else {
            throw Problem.invalidToken("Only bearer tokens are accepted.")
        }
        let token = String(authorization.dropFirst("Bearer ".count))
        do {
            let claims = try await verifier.verify(token)
            guard let identity = try? claims.identity() else { throw Problem.invalidToken("The token names an unknown role.") }
            return identity
        } catch let failure as AccessTokenVerifier.Failure {
            throw Problem.invalidToken("\(failure).")
        }
    }
}
