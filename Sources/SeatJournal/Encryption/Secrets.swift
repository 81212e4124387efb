import CCrypto

/// Digests and random secrets, from OpenSSL's libcrypto: API keys are stored as SHA-256
/// digests and made from its generator.
public enum Secrets {
    public static let digestBytes = 32

    /// SHA-256 of `bytes`.
    public static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: digestBytes)
        var length: UInt32 = 0
        let succeeded = bytes.withUnsafeBytes { EVP_Digest($0.baseAddress, $0.count, &digest, &length, EVP_sha256(), nil) }
        precondition(succeeded == 1 && length == UInt32(digestBytes), "SHA-256 through OpenSSL failed")
        return digest
    }

    /// `count` random bytes as lowercase hexadecimal.
    public static func randomHex(bytes count: Int) throws(EncryptionError) -> String {
        try AESGCM.randomBytes(count).map { String($0 >> 4, radix: 16) + String($0 & 0xf, radix: 16) }.joined()
    }
}
