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
        return "t=\(timestamp),v1=\(HMACHex.hex(mac(body, timestamp: timestamp)))"
    }

    /// Checks `header` against `body`; throws saying what is wrong.
    public func verify(header: String, body: [UInt8], now: Date) throws(PaymentError) {
        guard header.utf8.count <= Self.headerBytesMax else { throw .invalidWebhook("signature header too long") }
        var timestamp: Int64?
        var candidates: [[UInt8]] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.withoutSurroundingWhitespace }
            guard pair.count == 2 else { throw .invalidWebhook("signature header is not a list of key=value") }
            switch pair[0] {
            case "t":
                guard let value = Int64(pair[1]) else { throw .invalidWebhook("signature timestamp is not a number") }
                timestamp = value
            case "v1":
                guard let bytes = HMACHex.bytes(hex: String(pair[1])) else { throw .invalidWebhook("signature is not hexadecimal") }
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
        guard candidates.contains(where: { HMACHex.constantTimeEqual($0, expected) }) else {
            throw .invalidWebhook("signature does not match the body")
        }
    }

    private func mac(_ body: [UInt8], timestamp: Int64) -> [UInt8] {
        HMACHex.sign(Array("\(timestamp).".utf8) + body, secret: secret)
    }
}

private extension Substring {
    /// Without leading and trailing whitespace (the header's parts may be padded).
    var withoutSurroundingWhitespace: Substring {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map(index(after:)) ?? start
        return self[start..<end]
    }
}
