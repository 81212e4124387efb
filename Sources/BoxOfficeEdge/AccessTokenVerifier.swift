import Foundation
import JWTKit

/// Verifies access tokens strictly: the header must name a known key (`kid`) and the `EdDSA`
/// algorithm (no `none`, no HMAC keyed with a public key, no fallback to a default key); the
/// signature must verify with that key's public half; the claims must be current, for us, by us.
public struct AccessTokenVerifier: Sendable {
    /// A token longer than this is refused before parsing (ours are about 400 bytes).
    public static let tokenBytesMax = 4_096

    private let collection: JWTKeyCollection
    private let kids: Set<String>
    private let verified = VerifiedTokenCache()

    public init(publicKeys: [(kid: String, key: EdDSA.PublicKey)]) async {
        let collection = JWTKeyCollection()
        for entry in publicKeys {
            await collection.add(eddsa: entry.key, kid: JWKIdentifier(string: entry.kid))
        }
        self.collection = collection
        kids = Set(publicKeys.map(\.kid))
    }

    public init(keys: AccessTokenKeys) async {
        await self.init(publicKeys: keys.keys.map { ($0.kid, EdDSA.PublicKey(backing: $0.publicKey)) })
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case malformed
        case unknownKey
        case wrongAlgorithm(String?)
        case badSignature
        case expired
        case invalidClaims(String)

        public var description: String {
            switch self {
            case .malformed: "the token is not a well-formed JWT"
            case .unknownKey: "the token names no key this service knows"
            case .wrongAlgorithm(let alg): "the token's algorithm \(alg ?? "(none)") is not EdDSA"
            case .badSignature: "the token's signature does not verify"
            case .expired: "the token has expired"
            case .invalidClaims(let reason): "the token's claims are not valid: \(reason)"
            }
        }
    }

    private struct Header: Decodable {
        var alg: String?
        var kid: String?
    }

    public func verify(_ token: String, now: Date = Date()) async throws(Failure) -> AccessTokenClaims {
        guard token.utf8.count <= Self.tokenBytesMax else { throw .malformed }
        if let claims = verified.claims(for: token, at: now) { return claims }
        let claims = try await verifyFully(token)
        do { try claims.validate(at: now) } catch { throw Self.failure(error) }
        verified.remember(claims, for: token, at: now)
        return claims
    }

    private func verifyFully(_ token: String) async throws(Failure) -> AccessTokenClaims {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerJSON = Data(base64URLEncoded: parts[0]),
              let header = try? JSONDecoder().decode(Header.self, from: headerJSON)
        else { throw .malformed }
        guard header.alg == "EdDSA" else { throw .wrongAlgorithm(header.alg) }
        guard let kid = header.kid, kids.contains(kid) else { throw .unknownKey }
        do {
            return try await collection.verify(token, as: AccessTokenClaims.self)
        } catch {
            throw Self.failure(error)
        }
    }

    private static func failure(_ error: any Error) -> Failure {
        guard let error = error as? JWTError else { return .malformed }
        switch error.errorType {
        case .signatureVerificationFailed: return .badSignature
        case .claimVerificationFailure:
            if error.failedClaim is ExpirationClaim { return .expired }
            return .invalidClaims(error.reason ?? "rejected")
        default: return .malformed
        }
    }
}

extension Data {
    /// Decodes unpadded base64url (RFC 4648 §5), as JWTs use.
    init?(base64URLEncoded text: Substring) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        self.init(base64Encoded: base64)
    }
}
