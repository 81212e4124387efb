import Crypto
import Foundation

/// A bearer secret the server never stores in the clear: 32 random bytes as base64url, kept
/// as its SHA-256. (A slow hash is not needed: with 256 bits of entropy there is nothing to
/// guess, and lookups by hash must be fast.)
public struct OpaqueToken: Sendable, Equatable {
    /// Refused before hashing: longer input cannot be one of ours.
    public static let charactersMax = 128

    public let value: String

    public init(value: String) {
        self.value = value
    }

    /// A fresh token from the system's secure random source, with an optional readable prefix
    /// (`bo_rt_` for refresh tokens, so a leaked one is recognisable in logs and by scanners).
    public static func generate(prefix: String = "") -> OpaqueToken {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return OpaqueToken(value: prefix + Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: ""))
    }

    /// The stored form: SHA-256 of the token, hex.
    public var hash: String { Self.hash(value) }

    public static func hash(_ value: String) -> String {
        SHA256.hash(data: Data(value.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
