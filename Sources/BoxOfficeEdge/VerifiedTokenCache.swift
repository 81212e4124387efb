import BoxOfficeStorage
import Foundation
import Synchronization

/// Access tokens this instance has verified, until they expire.
///
/// A signature check costs tens of microseconds, several times what the rest of a small API
/// request costs, and a client sends the same token with every request for its whole life. The
/// key is the complete token text, so only the exact bytes that verified are ever answered
/// from here, and each hit is checked against its expiry again. Bounded: when full, expired
/// entries are dropped, and if too few had expired, everything is (the next requests verify again).
final class VerifiedTokenCache: Sendable {
    static let entriesMax = 10_000

    private let entries = Mutex(BoundedDictionary<String, AccessTokenClaims>(entriesMax: VerifiedTokenCache.entriesMax))

    func claims(for token: String, at now: Date) -> AccessTokenClaims? {
        guard let claims = entries.withLock({ $0[token] }) else { return nil }
        guard claims.exp.value > now else {
            entries.withLock { _ = $0.removeValue(forKey: token) }
            return nil
        }
        return claims
    }

    func remember(_ claims: AccessTokenClaims, for token: String, at now: Date) {
        entries.withLock { $0.set(claims, for: token, droppingWhenFull: { $0.exp.value <= now }) }
    }

    var count: Int { entries.withLock { $0.count } }
}
