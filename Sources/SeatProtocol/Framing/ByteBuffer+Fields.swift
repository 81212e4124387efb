import NIOCore

/// Why a payload could not be read as the message its opcode names.
public enum PayloadError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The payload ended inside `field`.
    case truncated(field: String)
    /// Bytes remained after the message's last field.
    case trailingBytes(Int)
    /// A length or count exceeds its limit.
    case tooLong(field: String, length: Int, limit: Int)
    case invalidUTF8(field: String)
    /// A field holds a value the message does not define.
    case invalidValue(field: String, value: UInt64)
    /// A field is below the least value it may take.
    case belowMinimum(field: String, value: UInt64, minimum: UInt64)
    /// A BATCH carries an operation of a kind it may not (see ``BatchRequest``).
    case notAllowedInBatch(index: Int, opcode: Opcode, atomic: Bool)

    public var description: String {
        switch self {
        case .truncated(let field): "payload ends inside \(field)"
        case .trailingBytes(let count): "\(count) bytes after the last field"
        case .tooLong(let field, let length, let limit): "\(field) is \(length) long, more than \(limit)"
        case .invalidUTF8(let field): "\(field) is not UTF-8"
        case .invalidValue(let field, let value): "\(field) has undefined value \(value)"
        case .belowMinimum(let field, let value, let minimum): "\(field) is \(value), less than \(minimum)"
        case .notAllowedInBatch(let index, let opcode, atomic: false):
            "operation \(index): \(opcode) is not allowed in a batch"
        case .notAllowedInBatch(let index, let opcode, atomic: true):
            "operation \(index): \(opcode) is not allowed in an atomic batch, which takes HOLD and HOLD_BEST_AVAILABLE only"
        }
    }
}

/// The 16-byte idempotency key field; all zeros means "no key".
public struct WireIdempotencyKey: Hashable, Sendable {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    public static let none = WireIdempotencyKey(high: 0, low: 0)
    public var isNone: Bool { high == 0 && low == 0 }
}

// Field readers and writers shared by every message. Strings are a u16 byte length then UTF-8;
// seat lists a u16 count then u32 seat indices; blobs a u32 length then bytes.
extension ByteBuffer {
    mutating func read<Integer: FixedWidthInteger>(_ type: Integer.Type, _ field: String) throws(PayloadError) -> Integer {
        guard let value = readInteger(as: Integer.self) else { throw .truncated(field: field) }
        return value
    }

    mutating func readBool(_ field: String) throws(PayloadError) -> Bool {
        switch try read(UInt8.self, field) {
        case 0: return false
        case 1: return true
        case let other: throw .invalidValue(field: field, value: UInt64(other))
        }
    }

    mutating func readRole() throws(PayloadError) -> Role {
        let raw = try read(UInt8.self, "role")
        guard let role = Role(rawValue: raw) else { throw .invalidValue(field: "role", value: UInt64(raw)) }
        return role
    }

    mutating func readText(_ field: String, limit: Int) throws(PayloadError) -> String {
        let length = Int(try read(UInt16.self, field))
        guard length <= limit else { throw .tooLong(field: field, length: length, limit: limit) }
        guard let bytes = readBytes(length: length) else { throw .truncated(field: field) }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .invalidUTF8(field: field) }
        return text
    }

    /// A text field where empty means absent.
    mutating func readOptionalText(_ field: String, limit: Int) throws(PayloadError) -> String? {
        let text = try readText(field, limit: limit)
        return text.isEmpty ? nil : text
    }

    mutating func readBlob(_ field: String, limit: Int) throws(PayloadError) -> [UInt8] {
        let length = Int(try read(UInt32.self, field))
        guard length <= limit else { throw .tooLong(field: field, length: length, limit: limit) }
        guard let bytes = readBytes(length: length) else { throw .truncated(field: field) }
        return bytes
    }

    mutating func readSeats(_ field: String, limit: Int = ProtocolLimits.seatsPerOperationMax) throws(PayloadError) -> [UInt32] {
        let count = Int(try read(UInt16.self, field))
        return try readSeatIndices(count: count, field, limit: limit)
    }

    mutating func readSeatIndices(count: Int, _ field: String, limit: Int) throws(PayloadError) -> [UInt32] {
        guard count <= limit else { throw .tooLong(field: field, length: count, limit: limit) }
        guard readableBytes >= count * 4 else { throw .truncated(field: field) }
        var seats: [UInt32] = []
        seats.reserveCapacity(count)
        for _ in 0..<count { seats.append(readInteger(as: UInt32.self)!) }
        return seats
    }

    mutating func readIdempotencyKey() throws(PayloadError) -> WireIdempotencyKey {
        let high = try read(UInt64.self, "idempotency key")
        return WireIdempotencyKey(high: high, low: try read(UInt64.self, "idempotency key"))
    }

    /// Throws unless every byte was read.
    func expectEnd() throws(PayloadError) {
        guard readableBytes == 0 else { throw .trailingBytes(readableBytes) }
    }

    mutating func writeText(_ text: String) {
        let bytes = text.utf8.count
        writeInteger(UInt16(truncatingIfNeeded: bytes))
        writeString(text)
    }

    mutating func writeBlob(_ bytes: [UInt8]) {
        writeInteger(UInt32(truncatingIfNeeded: bytes.count))
        writeBytes(bytes)
    }

    mutating func writeSeats(_ seats: [UInt32]) {
        writeInteger(UInt16(truncatingIfNeeded: seats.count))
        for seat in seats { writeInteger(seat) }
    }

    mutating func writeIdempotencyKey(_ key: WireIdempotencyKey) {
        writeMultipleIntegers(key.high, key.low)
    }

    mutating func writeBool(_ value: Bool) {
        writeInteger(UInt8(value ? 1 : 0))
    }
}
