import Crypto
import Foundation

/// The webhook signature scheme Stripe defined and the sandbox shares: a header
/// `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, keyed with the endpoint's secret.
/// The timestamp inside the signed text makes a captured request useless once it is older than
/// the tolerance; several `v1` entries may appear while a secret is being rotated.
public struct TimestampedSignature: Sendable {
    /// How far the signed time may be from ours (Stripe's libraries default to 5 minutes).
    public static let toleranceSecondsDefault = 300
    /// A header longer than this is refused before parsing (a real one is about 100 bytes).
    public static let headerBytesMax = 2048

    public let secret: [UInt8]
    public let toleranceSeconds: Int

    public init(secret: String, toleranceSeconds: Int = Self.toleranceSecondsDefault) {
        self.secret = Array(secret.utf8)
        self.toleranceSeconds = toleranceSeconds
    }

    /// The header value for `body` signed at `time`.
    public func header(for body: [UInt8], at time: Date) -> String {
        let timestamp = Int64(time.timeIntervalSince1970)
        return "t=\(timestamp),v1=\(hex(mac(body, timestamp: timestamp)))"
    }

    /// Checks `header` against `body`; throws saying what is wrong.
    public func verify(header: String, body: [UInt8], now: Date) throws(PaymentError) {
        guard header.utf8.count <= Self.headerBytesMax else { throw .invalidWebhook("signature header too long") }
        var timestamp: Int64?
        var candidates: [[UInt8]] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { throw .invalidWebhook("signature header is not a list of key=value") }
            switch pair[0] {
            case "t":
                guard let value = Int64(pair[1]) else { throw .invalidWebhook("signature timestamp is not a number") }
                timestamp = value
            case "v1":
                guard let bytes = Self.bytes(hex: pair[1]) else { throw .invalidWebhook("signature is not hexadecimal") }
                candidates.append(bytes)
            default:
                continue  // other schemes (v0) are not ours to check
            }
        }
        guard let timestamp else { throw .invalidWebhook("signature header has no timestamp") }
        guard !candidates.isEmpty else { throw .invalidWebhook("signature header has no v1 signature") }
        guard abs(Int64(now.timeIntervalSince1970) - timestamp) <= Int64(toleranceSeconds) else {
            throw .invalidWebhook("signature timestamp is outside the \(toleranceSeconds) s tolerance")
        }
        let expected = mac(body, timestamp: timestamp)
        guard candidates.contains(where: { Self.constantTimeEqual($0, expected) }) else {
            throw .invalidWebhook("signature does not match the body")
        }
    }

    private func mac(_ body: [UInt8], timestamp: Int64) -> [UInt8] {
        var signed = Array("\(timestamp).".utf8)
        signed.append(contentsOf: body)
        return Array(HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: secret)))
    }

    private func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count.isMultiple(of: 2), digits.count <= 128 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case 0x30...0x39: digit - 0x30
        case 0x61...0x66: digit - 0x61 + 10
        case 0x41...0x46: digit - 0x41 + 10
        default: nil
        }
    }

    /// Compares without stopping at the first difference, so timing says nothing about where it is.
    static func constantTimeEqual(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}
