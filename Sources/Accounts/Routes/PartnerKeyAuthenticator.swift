import BoxOfficeEdge
import HTTPTypes
import Hummingbird
import HummingbirdAuth

/// Establishes the identity of a partner's backend calling with `X-API-Key: bo_pk_…`.
///
/// A key that is unknown or revoked is refused here (401), never taken for an anonymous call;
/// a request carrying both a key and a bearer token is refused (400), since which one speaks
/// for it would be a guess.
public struct PartnerKeyAuthenticator: AuthenticatorMiddleware {
    public typealias Context = BoxOfficeRequestContext
    let service: AccountService

    public init(service: AccountService) {
        self.service = service
    }

    public func authenticate(request: Request, context: Context) async throws -> Identity? {
        guard let secret = request.headers[.apiKey] else { return context.identity }
        guard request.headers[.authorization] == nil else {
            throw Problem(.badRequest, code: "ambiguous_credentials", title: "Send either an API key or a bearer token, not both")
        }
        guard let identity = try await service.authenticatePartner(secret: secret) else {
            throw Problem(.unauthorized, code: "invalid_api_key", title: "The API key is not valid",
                          detail: "It is unknown or was revoked.")
        }
        return identity
    }
}

extension HTTPField.Name {
    public static let apiKey = HTTPField.Name("X-API-Key")!
}
