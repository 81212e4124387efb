import Crypto
import Foundation

/// Tokens for the links that stop one kind of message for one person without signing in (the
/// footer link and RFC 8058's one-click `List-Unsubscribe`): `<kind>.<user id>.<HMAC-SHA256>`,
/// so a link cannot be made for anyone else or another kind. The last secret signs and every
/// secret verifies, so secrets can be rotated; a link signed with a dropped secret stops
/// working (the page then points to the account's settings).
public struct UnsubscribeLinks: Sendable {
    /// What a person may stop receiving. Transactional messages (tickets, refunds, account
    /// security) have no link: they cannot be turned off.
    public enum Kind: String, Sendable, CaseIterable {
        case reminders
        case offers
    }

    private let secrets: [SymmetricKey]
    /// Longer tokens are refused unread (user ids are far shorter).
    static let tokenLengthMax = 256

    public init(secrets: [SymmetricKey]) {
        precondition(!secrets.isEmpty, "unsubscribe links need a secret")
        self.secrets = secrets
    }

    public func token(userID: String, kind: Kind) -> String {
        "\(kind.rawValue).\(userID).\(Self.base64URL(Data(Self.code(userID: userID, kind: kind, secret: secrets[secrets.count - 1]))))"
    }

    /// Whose link this is and what it stops, or nil for a token no secret of ours signed.
    public func verify(_ token: String) -> (userID: String, kind: Kind)? {
        guard token.utf8.count <= Self.tokenLengthMax else { return nil }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let kind = Kind(rawValue: String(parts[0])), !parts[1].isEmpty,
              let presented = Self.data(base64URL: String(parts[2]))
        else { return nil }
        let userID = String(parts[1])
        let message = Self.message(userID: userID, kind: kind)
        for secret in secrets where HMAC<SHA256>.isValidAuthenticationCode(presented, authenticating: message, using: secret) {
            return (userID, kind)
        }
        return nil
    }

    private static func message(userID: String, kind: Kind) -> Data {
        Data("unsubscribe\n\(kind.rawValue)\n\(userID)".utf8)
    }

    private static func code(userID: String, kind: Kind, secret: SymmetricKey) -> HashedAuthenticationCode<SHA256> {
        HMAC<SHA256>.authenticationCode(for: message(userID: userID, kind: kind), using: secret)
    }

    private static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    private static func data(base64URL text: String) -> Data? {
        guard text.utf8.count == 43, text.utf8.allSatisfy({ $0.isASCIIAlphanumeric || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") })
        else { return nil }
        return Data(base64Encoded: text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/") + "=")
    }
}

private extension UInt8 {
    var isASCIIAlphanumeric: Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self)
    }
}
