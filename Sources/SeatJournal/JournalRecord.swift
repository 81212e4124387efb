/// One journal entry: a sequence number, a type the journal's user defines, and opaque bytes.
///
/// On disk, little-endian, 17 bytes of header then the payload:
///
/// ```
///  0            4            8                          16     17
///  +------------+------------+--------------------------+------+------------------ … --+
///  |  checksum  |   length   |           LSN            | type |   payload (length)     |
///  |    u32     |    u32     |           u64            |  u8  |                        |
///  +------------+------------+--------------------------+------+------------------ … --+
/// ```
///
/// The checksum is CRC-32C of bytes 4 to the end of the payload, so a torn or flipped length,
/// LSN, type or payload is detected.
public struct JournalRecord: Hashable, Sendable {
    public static let headerBytes = 17
    /// Largest payload; a stadium's layout document is the biggest record expected.
    public static let payloadBytesMax = 16 << 20

    /// Log sequence number: 1 for the first record ever, then consecutive.
    public var lsn: UInt64
    public var type: UInt8
    public var payload: [UInt8]

    public init(lsn: UInt64, type: UInt8, payload: [UInt8]) {
        self.lsn = lsn
        self.type = type
        self.payload = payload
    }

    public var encodedBytes: Int { Self.headerBytes + payload.count }

    /// Appends the record's bytes to `buffer`.
    public func encode(into buffer: inout [UInt8]) {
        payload.withUnsafeBytes { Self.encode(lsn: lsn, type: type, payload: $0, into: &buffer) }
    }

    static func encode(lsn: UInt64, type: UInt8, payload: UnsafeRawBufferPointer, into buffer: inout [UInt8]) {
        let start = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: headerBytes))
        buffer.append(contentsOf: payload)
        buffer.withUnsafeMutableBytes { bytes in
            bytes.storeBytes(of: UInt32(payload.count).littleEndian, toByteOffset: start + 4, as: UInt32.self)
            bytes.storeBytes(of: lsn.littleEndian, toByteOffset: start + 8, as: UInt64.self)
            bytes.storeBytes(of: type, toByteOffset: start + 16, as: UInt8.self)
            let covered = UnsafeRawBufferPointer(rebasing: bytes[(start + 4)...])
            bytes.storeBytes(of: CRC32C.checksum(covered).littleEndian, toByteOffset: start, as: UInt32.self)
        }
    }

    /// Why bytes at some offset are not a valid record.
    enum DecodingProblem: Error, Hashable, Sendable, CustomStringConvertible {
        case incompleteHeader
        case lengthTooLarge(Int)
        case incompletePayload(needed: Int)
        case checksumMismatch
        case unexpectedLSN(found: UInt64, expected: UInt64)

        var description: String {
            switch self {
            case .incompleteHeader: "the record header is cut short"
            case .lengthTooLarge(let length): "record length \(length) exceeds \(JournalRecord.payloadBytesMax)"
            case .incompletePayload(let needed): "the record payload is cut short (\(needed) bytes missing)"
            case .checksumMismatch: "checksum mismatch"
            case .unexpectedLSN(let found, let expected): "LSN \(found) where \(expected) was expected"
            }
        }
    }

    /// Decodes the record at `offset`, which must have LSN `expectedLSN`.
    static func decode(
        _ bytes: UnsafeRawBufferPointer,
        at offset: Int,
        expectedLSN: UInt64
    ) -> Result<JournalRecord, DecodingProblem> {
        guard bytes.count - offset >= headerBytes else { return .failure(.incompleteHeader) }
        let length = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)))
        guard length <= payloadBytesMax else { return .failure(.lengthTooLarge(length)) }
        let end = offset + headerBytes + length
        guard end <= bytes.count else { return .failure(.incompletePayload(needed: end - bytes.count)) }
        let stored = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[(offset + 4)..<end])) == stored else {
            return .failure(.checksumMismatch)
        }
        let lsn = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self))
        guard lsn == expectedLSN else { return .failure(.unexpectedLSN(found: lsn, expected: expectedLSN)) }
        return .success(
            JournalRecord(
                lsn: lsn, type: bytes[offset + 16], payload: Array(bytes[(offset + headerBytes)..<end])))
    }
}
