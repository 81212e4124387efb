/// A journal segment encrypted with AES-256-GCM: an authenticated header, then one frame per
/// batch the writer wrote, each holding that batch's records exactly as a plain segment holds
/// them (so every record keeps its CRC and LSN inside the encryption).
///
/// ```
///  header (40 bytes)
///  0          8        12       16                 24                            40
///  +----------+--------+--------+------------------+-----------------------------+
///  | SEATJRNE | ver u32| key u32| salt (8 random)  | tag of the header (16)      |
///  +----------+--------+--------+------------------+-----------------------------+
///  frame i
///  +-------------+---------------------------------+------------+
///  | length u32  | ciphertext of the batch         | tag (16)   |   length = ciphertext + tag
///  +-------------+---------------------------------+------------+
/// ```
///
/// Nonces never repeat under one key: a frame's nonce is the segment's salt followed by the
/// frame's number (u32, little-endian), and the salt is 64 random bits drawn for each new
/// segment, which is never reopened for appending (a restarted writer starts a new segment).
/// Two segments share a salt with probability about n²/2⁶⁵ after n segments under one key.
/// Frame number 0xFFFFFFFF is the header's own (it authenticates the header's first 24 bytes
/// as associated data, with no plaintext), so a wrong key is told at once rather than taken
/// for damage; frames are numbered below it, and a segment is rotated before running out.
/// Each frame authenticates the header's first 24 bytes and its own length as associated
/// data: a frame moved to another segment, another place or another length fails.
enum EncryptedSegment {
    static let magic = Array("SEATJRNE".utf8)
    static let formatVersion: UInt32 = 1
    /// The header's fields before its tag: magic, version, key id, salt.
    static let fieldsBytes = 24
    static let headerBytes = fieldsBytes + AESGCM.tagBytes
    static let saltBytes = 8
    /// Bytes of a frame besides its ciphertext: the length field and the tag.
    static let frameOverheadBytes = 4 + AESGCM.tagBytes
    static let headerFrameNumber = UInt32.max
    /// Frames one segment may hold; the writer starts a new segment before reaching it.
    static let framesMax = UInt32.max - 1

    /// Whether a file's first bytes are an encrypted segment's magic.
    static func isEncrypted(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= magic.count && bytes.prefix(magic.count).elementsEqual(magic)
    }

    /// What seals a segment's frames, once its header is made or verified.
    struct Cipher {
        let fields: [UInt8]
        let key: [UInt8]
        var salt: ArraySlice<UInt8> { fields[16..<24] }

        func nonce(_ frame: UInt32) -> [UInt8] {
            Array(salt) + withUnsafeBytes(of: frame.littleEndian, Array.init)
        }

        /// Appends frame `number` holding `plaintext` to `output`.
        func seal(_ plaintext: [UInt8], number: UInt32, into output: inout [UInt8]) throws(EncryptionError) {
            precondition(number < EncryptedSegment.headerFrameNumber, "a segment's frame numbers are exhausted")
            let length = UInt32(plaintext.count + AESGCM.tagBytes)
            let lengthField = withUnsafeBytes(of: length.littleEndian, Array.init)
            output.append(contentsOf: lengthField)
            let sealed: Result<Void, EncryptionError> = plaintext.withUnsafeBytes { bytes in
                Result { () throws(EncryptionError) in
                    try AESGCM.seal(bytes, key: key, nonce: nonce(number), associated: fields + lengthField, into: &output)
                }
            }
            try sealed.get()
        }

        /// The plaintext of the frame at `offset` of `bytes` if it is whole and authenticates
        /// as frame `number`, with the frame's size; nil otherwise.
        func open(_ bytes: UnsafeRawBufferPointer, at offset: Int, number: UInt32) -> (plaintext: [UInt8], frameBytes: Int)? {
            guard offset + 4 <= bytes.count else { return nil }
            let length = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            guard length >= AESGCM.tagBytes, length <= JournalRecord.payloadBytesMax * 2, offset + 4 + length <= bytes.count else {
                return nil
            }
            let lengthField = Array(UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + 4]))
            let sealed = UnsafeRawBufferPointer(rebasing: bytes[offset + 4..<offset + 4 + length])
            guard let plaintext = try? AESGCM.open(sealed, key: key, nonce: nonce(number), associated: fields + lengthField) else {
                return nil
            }
            return (plaintext, 4 + length)
        }
    }

    /// A new segment's header under the current key, and the cipher for its frames.
    static func makeHeader(_ keys: EncryptionKeys) throws(EncryptionError) -> (header: [UInt8], cipher: Cipher) {
        let (id, key) = keys.current
        var fields = magic
        withUnsafeBytes(of: formatVersion.littleEndian) { fields.append(contentsOf: $0) }
        withUnsafeBytes(of: id.littleEndian) { fields.append(contentsOf: $0) }
        fields += try AESGCM.randomBytes(saltBytes)
        let cipher = Cipher(fields: fields, key: key)
        var header = fields
        try AESGCM.seal(UnsafeRawBufferPointer(start: nil, count: 0), key: key, nonce: cipher.nonce(headerFrameNumber), associated: fields, into: &header)
        return (header, cipher)
    }

    /// Checks a segment's header (`bytes` holds at least ``headerBytes``) and returns the
    /// cipher for its frames; throws naming the file when its key is missing or wrong.
    static func verifyHeader(_ bytes: UnsafeRawBufferPointer, keys: EncryptionKeys?, path: String) throws -> Cipher {
        let fields = Array(bytes[0..<fieldsBytes])
        let version = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        guard version == formatVersion else {
            throw JournalError.notASegment(path: path, reason: "encrypted segment format \(version), this server reads \(formatVersion)")
        }
        let keyID = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 12, as: UInt32.self))
        guard let keys else { throw EncryptionError.keysRequired(path: path, keyID: keyID) }
        let cipher = Cipher(fields: fields, key: try keys.key(keyID, for: path))
        do {
            _ = try AESGCM.open(
                UnsafeRawBufferPointer(rebasing: bytes[fieldsBytes..<headerBytes]), key: cipher.key,
                nonce: cipher.nonce(headerFrameNumber), associated: fields)
        } catch {
            throw EncryptionError.wrongKeyOrDamagedHeader(path: path, keyID: keyID)
        }
        return cipher
    }

    /// The records of an encrypted segment's frames, after a plain segment header, so that the
    /// same record walk reads them; `frameOffsets[i]` is the file offset of frame i, and
    /// `plainOffsets[i]` where its records start in `image`. Stops at the first frame that is
    /// not whole or does not authenticate: `stop` says where, and whether a later frame does
    /// authenticate (then the damage lies before acknowledged records, and is no torn tail).
    struct Image {
        var image: [UInt8]
        var frameOffsets: [Int] = []
        var plainOffsets: [Int] = []
        var stop: (offset: Int, reason: String, isFollowedByValidFrame: Bool)?

        /// The file offset of the frame holding `plainOffset` of the image.
        func fileOffset(of plainOffset: Int) -> Int {
            guard let index = plainOffsets.lastIndex(where: { $0 <= plainOffset }) else { return EncryptedSegment.headerBytes }
            return frameOffsets[index]
        }
    }

    static func image(of bytes: UnsafeRawBufferPointer, cipher: Cipher) -> Image {
        var result = Image(image: JournalSegment.header)
        var offset = headerBytes
        var number: UInt32 = 0
        while offset < bytes.count {
            guard let (plaintext, frameBytes) = cipher.open(bytes, at: offset, number: number) else {
                result.stop = (offset, "frame \(number) is cut short or does not authenticate",
                               containsValidFrame(bytes, after: offset, number: number + 1, cipher: cipher))
                break
            }
            result.frameOffsets.append(offset)
            result.plainOffsets.append(result.image.count)
            result.image += plaintext
            offset += frameBytes
            number += 1
        }
        return result
    }

    /// Whether frame `number` starts, whole and authentic, anywhere after `offset`.
    private static func containsValidFrame(_ bytes: UnsafeRawBufferPointer, after offset: Int, number: UInt32, cipher: Cipher) -> Bool {
        var position = offset + 1
        while position + frameOverheadBytes <= bytes.count {
            let length = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt32.self)))
            // Only plausible lengths are tried, so scanning garbage stays cheap.
            if length >= AESGCM.tagBytes, position + 4 + length <= bytes.count, cipher.open(bytes, at: position, number: number) != nil {
                return true
            }
            position += 1
        }
        return false
    }
}
