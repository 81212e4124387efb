import CCrypto

/// AES-256-GCM through OpenSSL's EVP interface: authenticated encryption of a message with
/// associated data, a 96-bit nonce and a 128-bit tag. The caller owns nonce uniqueness (see
/// ``EncryptedSegment`` and ``SnapshotFile``): a nonce used twice under one key gives away
/// the XOR of two plaintexts and the authentication key.
enum AESGCM {
    static let keyBytes = 32
    static let nonceBytes = 12
    static let tagBytes = 16

    /// Appends the ciphertext of `plaintext`, then its tag, to `output`.
    static func seal(
        _ plaintext: UnsafeRawBufferPointer, key: [UInt8], nonce: [UInt8], associated: [UInt8], into output: inout [UInt8]
    ) throws(EncryptionError) {
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: plaintext.count + tagBytes))
        let succeeded = output.withUnsafeMutableBytes { out in
            let cipher = out.baseAddress!.advanced(by: start).assumingMemoryBound(to: UInt8.self)
            return pass(encrypting: true, plaintext, into: cipher, tag: cipher + plaintext.count, key: key, nonce: nonce, associated: associated)
        }
        guard succeeded else {
            output.removeLast(output.count - start)
            throw .crypto("AES-256-GCM encryption")
        }
    }

    /// The plaintext of `sealed` (ciphertext, then tag); throws ``EncryptionError/authenticationFailed``
    /// when any byte of it, of the nonce or of the associated data differs, or the key does.
    static func open(
        _ sealed: UnsafeRawBufferPointer, key: [UInt8], nonce: [UInt8], associated: [UInt8]
    ) throws(EncryptionError) -> [UInt8] {
        guard sealed.count >= tagBytes else { throw .authenticationFailed }
        let cipherCount = sealed.count - tagBytes
        // One byte more than the ciphertext, so the output always has somewhere to point.
        var plaintext = [UInt8](repeating: 0, count: cipherCount + 1)
        var tag = Array(UnsafeRawBufferPointer(rebasing: sealed[cipherCount...]))
        let opened = plaintext.withUnsafeMutableBytes { out in
            pass(
                encrypting: false, UnsafeRawBufferPointer(rebasing: sealed[..<cipherCount]),
                into: out.baseAddress!.assumingMemoryBound(to: UInt8.self), tag: &tag, key: key, nonce: nonce,
                associated: associated)
        }
        guard opened else { throw .authenticationFailed }
        plaintext.removeLast()
        return plaintext
    }

    /// One GCM pass over `input` into `output` (as long as `input`): with the key and nonce,
    /// the associated data first; sealing then writes the tag to `tag`, opening checks it from
    /// there. False when OpenSSL fails or, opening, the tag does not match.
    private static func pass(
        encrypting: Bool, _ input: UnsafeRawBufferPointer, into output: UnsafeMutablePointer<UInt8>,
        tag: UnsafeMutablePointer<UInt8>, key: [UInt8], nonce: [UInt8], associated: [UInt8]
    ) -> Bool {
        precondition(key.count == keyBytes && nonce.count == nonceBytes, "AES-256-GCM takes a 32-byte key and a 12-byte nonce")
        guard let context = EVP_CIPHER_CTX_new() else { return false }
        defer { EVP_CIPHER_CTX_free(context) }
        let mode: Int32 = encrypting ? 1 : 0
        var length: Int32 = 0
        guard EVP_CipherInit_ex(context, EVP_aes_256_gcm(), nil, nil, nil, mode) == 1,
            EVP_CIPHER_CTX_ctrl(context, seat_gcm_set_iv_length, Int32(nonceBytes), nil) == 1,
            EVP_CipherInit_ex(context, nil, nil, key, nonce, mode) == 1,
            associated.isEmpty || EVP_CipherUpdate(context, nil, &length, associated, Int32(associated.count)) == 1
        else { return false }
        length = 0
        if input.count > 0 {
            guard EVP_CipherUpdate(
                context, output, &length, input.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(input.count)) == 1
            else { return false }
        }
        if !encrypting, EVP_CIPHER_CTX_ctrl(context, seat_gcm_set_tag, Int32(tagBytes), tag) != 1 { return false }
        var finalLength: Int32 = 0
        guard EVP_CipherFinal_ex(context, output + Int(length), &finalLength) == 1 else { return false }
        return !encrypting || EVP_CIPHER_CTX_ctrl(context, seat_gcm_get_tag, Int32(tagBytes), tag) == 1
    }

    /// Bytes from OpenSSL's generator, for nonces and salts.
    static func randomBytes(_ count: Int) throws(EncryptionError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        guard RAND_bytes(&bytes, Int32(count)) == 1 else { throw .crypto("RAND_bytes") }
        return bytes
    }
}
