import SeatInventory

/// Writes little-endian fields into a record payload.
struct PayloadWriter<Storage: PayloadStorage> {
    private(set) var storage: Storage

    init(_ storage: Storage) {
        self.storage = storage
    }

    mutating func write<Integer: FixedWidthInteger>(_ value: Integer) {
        withUnsafeBytes(of: value.littleEndian) { storage.append($0) }
    }

    mutating func write(_ value: Bool) { write(UInt8(value ? 1 : 0)) }

    /// A length-prefixed byte string.
    mutating func write(bytes value: [UInt8]) {
        write(UInt32(value.count))
        value.withUnsafeBytes { storage.append($0) }
    }

    mutating func write(seats: some Collection<UInt32>) {
        write(UInt32(seats.count))
        for seat in seats { write(seat) }
    }

    /// A show's rules: no single gaps u8, seats per hold u16, hold lifetime ms u64, distancing
    /// seats (u32 count + u32 each).
    mutating func write(rules: ShowRules) {
        write(rules.forbidsSingleSeatGaps)
        write(UInt16(clamping: rules.seatsPerHoldMax))
        write(rules.holdLifetimeMax.wholeMillisecondsRoundedUp)
        write(seats: rules.distancingMask.lazy.map(\.rawValue))
    }
}

/// Where a ``PayloadWriter`` puts its bytes.
protocol PayloadStorage {
    mutating func append(_ bytes: UnsafeRawBufferPointer)
}

extension [UInt8]: PayloadStorage {
    mutating func append(_ bytes: UnsafeRawBufferPointer) { append(contentsOf: bytes) }
}

extension PayloadWriter where Storage == [UInt8] {
    init(capacity: Int) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(capacity)
        self.init(bytes)
    }

    var bytes: [UInt8] { storage }
}

/// Bytes written into memory the caller provides, of a size the caller knew beforehand: the
/// journal's frequent records are encoded on the stack, with no array allocated.
struct FixedPayloadStorage: PayloadStorage {
    let destination: UnsafeMutableRawBufferPointer
    private(set) var count = 0

    init(_ destination: UnsafeMutableRawBufferPointer) {
        self.destination = destination
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        precondition(count + bytes.count <= destination.count, "a record outgrew the size computed for it")
        UnsafeMutableRawBufferPointer(rebasing: destination[count..<count + bytes.count]).copyMemory(from: bytes)
        count += bytes.count
    }

    var written: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: destination[..<count]) }
}

/// Why a payload does not decode; the record's checksum was right, so this is a format error.
public struct PayloadDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    public let description: String
}

/// Reads little-endian fields from a record payload, refusing to read past its end.
struct PayloadReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    // Field names are static strings and messages are built only on failure: recovery reads
    // millions of records, and formatting per field would be most of its time.
    mutating func read<Integer: FixedWidthInteger>(_: Integer.Type, _ field: StaticString) throws(PayloadDecodingError) -> Integer {
        let size = MemoryLayout<Integer>.size
        guard bytes.count - offset >= size else { throw PayloadDecodingError(description: "\(field) is cut short") }
        let value = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: Integer.self) }
        offset += size
        return Integer(littleEndian: value)
    }

    mutating func readBool(_ field: StaticString) throws(PayloadDecodingError) -> Bool {
        switch try read(UInt8.self, field) {
        case 0: return false
        case 1: return true
        case let other: throw PayloadDecodingError(description: "\(field) is \(other), not 0 or 1")
        }
    }

    /// A length-prefixed byte string of at most `limit` bytes.
    mutating func readBytes(_ field: StaticString, limit: Int) throws(PayloadDecodingError) -> [UInt8] {
        let count = Int(try read(UInt32.self, field))
        guard count <= limit, bytes.count - offset >= count else {
            throw PayloadDecodingError(description: "\(field) claims \(count) bytes; \(bytes.count - offset) remain")
        }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    mutating func readSeats(_ field: StaticString, limit: Int) throws(PayloadDecodingError) -> [UInt32] {
        let count = Int(try read(UInt32.self, field))
        guard count <= limit, (bytes.count - offset) / 4 >= count else {
            throw PayloadDecodingError(description: "\(field) claims \(count) seats")
        }
        var seats: [UInt32] = []
        seats.reserveCapacity(count)
        for _ in 0..<count { seats.append(try read(UInt32.self, field)) }
        return seats
    }

    mutating func readRules() throws(PayloadDecodingError) -> ShowRules {
        let forbidsGaps = try readBool("no single gaps")
        let seatsPerHold = Int(try read(UInt16.self, "seats per hold"))
        let lifetime = try read(UInt64.self, "hold lifetime")
        let distancing = try readSeats("distancing seats", limit: JournalRecord.payloadBytesMax / 4)
        return ShowRules(
            forbidsSingleSeatGaps: forbidsGaps, seatsPerHoldMax: seatsPerHold,
            distancingMask: distancing.map(SeatIndex.init), holdLifetimeMax: .milliseconds(lifetime))
    }

    func expectEnd(_ what: @autoclosure () -> String) throws(PayloadDecodingError) {
        guard offset == bytes.count else {
            throw PayloadDecodingError(description: "\(bytes.count - offset) bytes follow the end of \(what())")
        }
    }
}
