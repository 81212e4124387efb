import Foundation
import Payments
import Testing

@Suite("Webhook signatures: t=…,v1=HMAC over the raw body", .timeLimit(.minutes(1)))
struct WebhookSignatureTests {
    let signer = TimestampedSignature(secret: "whsec_test")
    let body = Array(#"{"id":"evt_1","type":"payment.authorized"}"#.utf8)
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aSignedBodyVerifiesWithinTheTolerance() throws {
        let header = signer.header(for: body, at: now)
        try signer.verify(header: header, body: body, now: now)
        try signer.verify(header: header, body: body, now: now.addingTimeInterval(300))
        // A rotation: an old signature beside the valid one.
        try signer.verify(header: header + ",v1=" + String(repeating: "ab", count: 32), body: body, now: now)
    }

    /// The scheme: HMAC-SHA256 of "<t>.<body>" with the secret, in hex.
    @Test func theSignatureIsHMACSHA256OfTimestampDotBody() throws {
        let header = TimestampedSignature(secret: "key").header(for: Array("The quick brown fox jumps over the lazy dog".utf8),
                                                                 at: Date(timeIntervalSince1970: 0))
        // HMAC_SHA256("key", "0.The quick brown fox jumps over the lazy dog"), computed independently
        // with `printf '0.The quick…' | openssl dgst -sha256 -hmac key`.
        #expect(header == "t=0,v1=" + Self.opensslHMAC)
    }
    static let opensslHMAC = "8511f28f7a1949f0c42772b447d68b2daf760f5f0439a20a17e3b4e7cd395763"

    @Test(arguments: [
        ("tampered body", "t=1800000000,v1=SIG", Array(#"{"id":"evt_1","type":"payment.captured"}"#.utf8), 0.0, "does not match"),
        ("stale", "t=1800000000,v1=SIG", Array(#"{"id":"evt_1","type":"payment.authorized"}"#.utf8), 301.0, "tolerance"),
        ("from the future", "t=1800000000,v1=SIG", Array(#"{"id":"evt_1","type":"payment.authorized"}"#.utf8), -301.0, "tolerance"),
        ("no timestamp", "v1=SIG", Array(#"{"id":"evt_1","type":"payment.authorized"}"#.utf8), 0.0, "no timestamp"),
        ("no signature", "t=1800000000", Array(#"{"id":"evt_1","type":"payment.authorized"}"#.utf8), 0.0, "no v1"),
        ("not hex", "t=1800000000,v1=zz", Array(#"{"id":"evt_1","type":"payment.authorized"}"#.utf8), 0.0, "hexadecimal"),
        ("garbage", "garbage", Array(#"{}"#.utf8), 0.0, "key=value"),
    ])
    func aBadSignatureIsRefusedSayingWhy(
        _ name: String, _ template: String, _ received: [UInt8], _ skewSeconds: Double, _ reason: String
    ) throws {
        let valid = signer.header(for: body, at: now)
        let signature = String(valid.split(separator: "v1=")[1])
        let header = template.replacingOccurrences(of: "SIG", with: signature)
        do {
            try signer.verify(header: header, body: received, now: now.addingTimeInterval(skewSeconds))
            Issue.record("\(name) was accepted")
        } catch {
            guard case .invalidWebhook(let message) = error else { Issue.record("\(error)"); return }
            #expect(message.contains(reason), "\(name): \(message)")
        }
    }

    @Test func anotherSecretsSignatureIsRefused() {
        let header = TimestampedSignature(secret: "whsec_other").header(for: body, at: now)
        #expect(throws: PaymentError.invalidWebhook("signature does not match the body")) {
            try signer.verify(header: header, body: body, now: now)
        }
    }
}
