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
        precondition(key.count == keyBytes && nonce.count == nonceBytes, "AES-256-GCM takes a 32-byte key and a 12-byte nonce")
        guard let context = EVP_CIPHER_CTX_new() else { throw .crypto("EVP_CIPHER_CTX_new") }
        defer { EVP_CIPHER_CTX_free(context) }
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: plaintext.count + tagBytes))
        let succeeded = output.withUnsafeMutableBytes { out -> Bool in
            var length: Int32 = 0
            guard EVP_EncryptInit_ex(context, EVP_aes_256_gcm(), nil, nil, nil) == 1,
                EVP_CIPHER_CTX_ctrl(context, seat_gcm_set_iv_length, Int32(nonceBytes), nil) == 1,
                EVP_EncryptInit_ex(context, nil, nil, key, nonce) == 1,
                associated.isEmpty || EVP_EncryptUpdate(context, nil, &length, associated, Int32(associated.count)) == 1
            else { return false }
            let cipher = out.baseAddress!.advanced(by: start).assumingMemoryBound(to: UInt8.self)
            if plaintext.count > 0 {
                guard EVP_EncryptUpdate(
                    context, cipher, &length, plaintext.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(plaintext.count)) == 1
                else { return false }
            }
            var finalLength: Int32 = 0
            guard EVP_EncryptFinal_ex(context, cipher + Int(length), &finalLength) == 1 else { return false }
            return EVP_CIPHER_CTX_ctrl(context, seat_gcm_get_tag, Int32(tagBytes), cipher + plaintext.count) == 1
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
        precondition(key.count == keyBytes && nonce.count == nonceBytes, "AES-256-GCM takes a 32-byte key and a 12-byte nonce")
        guard sealed.count >= tagBytes else { throw .authenticationFailed }
        guard let context = EVP_CIPHER_CTX_new() else { throw .crypto("EVP_CIPHER_CTX_new") }
        defer { EVP_CIPHER_CTX_free(context) }
        let cipherCount = sealed.count - tagBytes
        // One byte more than the ciphertext, so the final call always has somewhere to point.
        var plaintext = [UInt8](repeating: 0, count: cipherCount + 1)
        var tag = Array(UnsafeRawBufferPointer(rebasing: sealed[cipherCount...]))
        let opened = plaintext.withUnsafeMutableBytes { out -> Bool in
            var length: Int32 = 0
            guard EVP_DecryptInit_ex(context, EVP_aes_256_gcm(), nil, nil, nil) == 1,
                EVP_CIPHER_CTX_ctrl(context, seat_gcm_set_iv_length, Int32(nonceBytes), nil) == 1,
                EVP_DecryptInit_ex(context, nil, nil, key, nonce) == 1,
                associated.isEmpty || EVP_DecryptUpdate(context, nil, &length, associated, Int32(associated.count)) == 1
            else { return false }
            let plain = out.baseAddress!.assumingMemoryBound(to: UInt8.self)
            if cipherCount > 0 {
                guard EVP_DecryptUpdate(
                    context, plain, &length, sealed.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(cipherCount)) == 1
                else { return false }
            }
            guard EVP_CIPHER_CTX_ctrl(context, seat_gcm_set_tag, Int32(tagBytes), &tag) == 1 else { return false }
            var finalLength: Int32 = 0
            return EVP_DecryptFinal_ex(context, plain + Int(length), &finalLength) == 1
        }
        guard opened else { throw .authenticationFailed }
        plaintext.removeLast()
        return plaintext
    }

    /// Bytes from OpenSSL's generator, for nonces and salts.
    static func randomBytes(_ count: Int) throws(EncryptionError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        guard RAND_bytes(&bytes, Int32(count)) == 1 else { throw .crypto("RAND_bytes") }
        return bytes
    }
}
