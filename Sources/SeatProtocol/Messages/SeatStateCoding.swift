/// Every seat's state in as few bytes as the map allows, for SEAT_MAP replies.
///
/// Two forms, and the encoder sends the shorter: **runs**, a varint per run of seats in one
/// state, which is a few bytes for a house sold out, empty or sold in blocks; and **packed**, two
/// bits per seat, which bounds the worst case (seats alternating) at a quarter byte a seat, a
/// third of AVAILABILITY's three bitmaps. States are 0 free, 1 held, 2 sold, 3 blocked.
public struct SeatStateCoding: Hashable, Sendable {
    public enum Form: UInt8, Hashable, Sendable {
        /// LEB128 varints, each `(run length - 1) << 2 | state`, covering the seats in order.
        case runs = 1
        /// Seat `i` is bits `2 × (i % 4)` and up of byte `i / 4`; unused bits are 0.
        case packed = 2
    }

    public let form: Form
    public let bytes: [UInt8]

    public init(form: Form, bytes: [UInt8]) {
        self.form = form
        self.bytes = bytes
    }

    /// The states of `seatCount` seats given as bitmaps of `(seatCount + 63) / 64` words, where
    /// sold and blocked seats are also taken.
    public init(seatCount: Int, taken: [UInt64], sold: [UInt64], blocked: [UInt64]) {
        let packedBytes = (seatCount + 3) / 4
        var runs = RunWriter(byteLimit: packedBytes)
        var seat = 0
        words: while seat < seatCount {
            let word = seat >> 6
            let width = min(64, seatCount - seat)
            let wordMask: UInt64 = width == 64 ? ~0 : (1 << UInt64(width)) - 1
            let lanes = Lanes(taken: taken[word], sold: sold[word], blocked: blocked[word])
            // A whole word in one state extends the current run at once: most words of a
            // stadium's map, empty or sold in blocks, are.
            if let uniform = lanes.uniformState(mask: wordMask) {
                guard runs.append(uniform, count: width) else { break words }
            } else {
                for bit in 0..<width {
                    guard runs.append(lanes.state(bit), count: 1) else { break words }
                }
            }
            seat += width
        }
        if seat >= seatCount, let encoded = runs.finish() {
            self.init(form: .runs, bytes: encoded)
            return
        }
        var packed = [UInt8](repeating: 0, count: packedBytes)
        for index in 0..<seatCount {
            let lanes = Lanes(taken: taken[index >> 6], sold: sold[index >> 6], blocked: blocked[index >> 6])
            packed[index >> 2] |= lanes.state(index & 63) << UInt8((index & 3) * 2)
        }
        self.init(form: .packed, bytes: packed)
    }

    /// The bitmaps back: `taken` (held, sold or blocked), `sold` and `blocked`, each of
    /// `(seatCount + 63) / 64` words.
    ///
    /// - Throws: when the bytes do not describe exactly `seatCount` seats.
    public func bitmaps(seatCount: Int) throws(PayloadError) -> (taken: [UInt64], sold: [UInt64], blocked: [UInt64]) {
        var maps = Bitmaps(seatCount: seatCount)
        switch form {
        case .runs:
            var seat = 0
            var reader = VarintReader(bytes: bytes)
            while seat < seatCount {
                guard let value = try reader.next() else { throw .truncated(field: "seat runs") }
                let length = Int(value >> 2) + 1
                guard length <= seatCount - seat else {
                    throw .tooLong(field: "seat runs", length: seat + length, limit: seatCount)
                }
                maps.set(seat..<seat + length, to: UInt8(value & 3))
                seat += length
            }
            guard reader.isAtEnd else { throw .trailingBytes(bytes.count - reader.offset) }
        case .packed:
            guard bytes.count == (seatCount + 3) / 4 else {
                throw .invalidValue(field: "packed seat states length", value: UInt64(bytes.count))
            }
            for seat in 0..<seatCount {
                maps.set(seat..<seat + 1, to: (bytes[seat >> 2] >> UInt8((seat & 3) * 2)) & 3)
            }
            if seatCount & 3 != 0, bytes[bytes.count - 1] >> UInt8((seatCount & 3) * 2) != 0 {
                throw .invalidValue(field: "packed seat states padding", value: UInt64(bytes[bytes.count - 1]))
            }
        }
        return (maps.taken, maps.sold, maps.blocked)
    }
}

/// One 64-seat word of the three bitmaps, read as states.
private struct Lanes {
    let taken: UInt64
    let sold: UInt64
    let blocked: UInt64

    func state(_ bit: Int) -> UInt8 {
        let mask: UInt64 = 1 << UInt64(bit)
        if blocked & mask != 0 { return 3 }
        if sold & mask != 0 { return 2 }
        return taken & mask != 0 ? 1 : 0
    }

    /// The state every seat under `mask` is in, if they share one.
    func uniformState(mask: UInt64) -> UInt8? {
        let held = taken & ~sold & ~blocked
        let sold = sold & ~blocked
        if taken & mask == 0 { return 0 }
        if held & mask == mask { return 1 }
        if sold & mask == mask { return 2 }
        if blocked & mask == mask { return 3 }
        return nil
    }
}

/// Runs as varints, giving up once they would pass `byteLimit`.
private struct RunWriter {
    let byteLimit: Int
    var bytes: [UInt8] = []
    var state: UInt8 = 0
    var length = 0

    init(byteLimit: Int) { self.byteLimit = byteLimit }

    /// False once the runs are longer than the limit.
    mutating func append(_ next: UInt8, count: Int) -> Bool {
        if length > 0, next != state {
            guard flush() else { return false }
        }
        state = next
        length += count
        return true
    }

    /// The bytes, or nil when they are longer than the limit.
    mutating func finish() -> [UInt8]? {
        guard length == 0 || flush() else { return nil }
        return bytes
    }

    private mutating func flush() -> Bool {
        var value = UInt64(length - 1) << 2 | UInt64(state)
        repeat {
            let low = UInt8(value & 0x7f)
            value >>= 7
            bytes.append(value == 0 ? low : low | 0x80)
        } while value != 0
        length = 0
        return bytes.count <= byteLimit
    }
}

private struct VarintReader {
    let bytes: [UInt8]
    var offset = 0

    var isAtEnd: Bool { offset == bytes.count }

    /// The next varint, nil at the end of the bytes.
    mutating func next() throws(PayloadError) -> UInt64? {
        guard !isAtEnd else { return nil }
        var value: UInt64 = 0
        // Five groups of seven bits hold any run of a 2^32-seat show with its state.
        for shift in stride(from: 0, to: 35, by: 7) {
            guard offset < bytes.count else { throw .truncated(field: "seat run") }
            let byte = bytes[offset]
            offset += 1
            value |= UInt64(byte & 0x7f) << UInt64(shift)
            if byte & 0x80 == 0 { return value }
        }
        throw .tooLong(field: "seat run varint", length: 6, limit: 5)
    }
}

private struct Bitmaps {
    var taken: [UInt64]
    var sold: [UInt64]
    var blocked: [UInt64]

    init(seatCount: Int) {
        let words = (seatCount + 63) / 64
        taken = [UInt64](repeating: 0, count: words)
        sold = taken
        blocked = taken
    }

    mutating func set(_ seats: Range<Int>, to state: UInt8) {
        guard state != 0 else { return }
        for seat in seats {
            let bit: UInt64 = 1 << UInt64(seat & 63)
            taken[seat >> 6] |= bit
            if state == 2 { sold[seat >> 6] |= bit }
            if state == 3 { blocked[seat >> 6] |= bit }
        }
    }
}
