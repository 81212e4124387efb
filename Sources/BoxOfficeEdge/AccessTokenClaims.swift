import Foundation
import JWTKit

/// The claims of a box-office access token: a short-lived EdDSA-signed JWT that any service can
/// verify with the public key alone.
public struct AccessTokenClaims: JWTPayload, Equatable {
    /// The audience every access token is issued for and checked against.
    public static let audience = "boxoffice"
    /// The issuer every access token names and is checked against.
    public static let issuer = "boxoffice"
    /// Clocks of two instances may disagree by this much before `iat` counts as "in the future".
    public static let clockSkewSeconds = 60.0

    public var sub: SubjectClaim
    public var aud: AudienceClaim
    public var iss: IssuerClaim
    public var iat: IssuedAtClaim
    public var exp: ExpirationClaim
    /// The session (refresh-token family) this token was issued under.
    public var sid: String
    public var roles: [String]
    /// The theatres a staff member works for.
    public var theatres: [String]

    public init(userID: String, sessionID: String, roles: Identity.Roles, theatreIDs: Set<String>,
                issuedAt: Date, lifetime: Duration) {
        sub = SubjectClaim(value: userID)
        aud = AudienceClaim(value: Self.audience)
        iss = IssuerClaim(value: Self.issuer)
        iat = IssuedAtClaim(value: issuedAt)
        exp = ExpirationClaim(value: issuedAt.addingTimeInterval(TimeInterval(lifetime.components.seconds)))
        sid = sessionID
        self.roles = roles.names
        theatres = theatreIDs.sorted()
    }

    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try validate(at: Date())
    }

    /// The checks beyond the signature, at `now`: not expired, issued for us, by us, not from the future.
    public func validate(at now: Date) throws {
        try exp.verifyNotExpired(currentDate: now)
        try aud.verifyIntendedAudience(includes: Self.audience)
        guard iss.value == Self.issuer else {
            throw JWTError.claimVerificationFailure(failedClaim: iss, reason: "not issued by \(Self.issuer)")
        }
        guard iat.value.timeIntervalSince(now) <= Self.clockSkewSeconds else {
            throw JWTError.claimVerificationFailure(failedClaim: iat, reason: "issued in the future")
        }
    }

    /// The identity these claims establish; unknown role names make the token invalid.
    public func identity() throws -> Identity {
        Identity(subject: sub.value, roles: try Identity.Roles(names: roles), theatreIDs: Set(theatres), sessionID: sid)
    }
}
