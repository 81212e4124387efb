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
    /// sold and blocked seats are also taken. Word by word, never seat by seat: a run ends where
    /// either bit of the state changes, found with a shift and an exclusive or.
    public init(seatCount: Int, taken: [UInt64], sold: [UInt64], blocked: [UInt64]) {
        let packedBytes = (seatCount + 3) / 4
        let wordCount = (seatCount + 63) / 64
        // Recomputed where needed, which costs a few instructions a word, not an allocation.
        func planes(_ word: Int) -> StatePlanes {
            StatePlanes(word: word, seatCount: seatCount, taken: taken, sold: sold, blocked: blocked)
        }
        // Each run takes a byte at least: when there are more runs than packed bytes, runs lose
        // and are not written. (A busy stadium's map has tens of thousands of runs.)
        var runCount = seatCount > 0 ? 1 : 0
        var previous: StatePlanes?
        for word in 0..<wordCount {
            let current = planes(word)
            runCount += current.changes(after: previous).nonzeroBitCount
            previous = current
        }
        if runCount <= packedBytes, let encoded = Self.runs(of: (0..<wordCount).lazy.map(planes), byteLimit: packedBytes, runCount: runCount) {
            self.init(form: .runs, bytes: encoded)
            return
        }
        var packed = [UInt8](repeating: 0, count: packedBytes)
        for word in 0..<wordCount {
            let plane = planes(word)
            for half in 0..<2 {
                let shift = UInt64(half * 32)
                let pairs = Self.spread(plane.low >> shift) | Self.spread(plane.high >> shift) << 1
                for byte in 0..<8 where word * 16 + half * 8 + byte < packedBytes {
                    packed[word * 16 + half * 8 + byte] = UInt8(truncatingIfNeeded: pairs >> UInt64(byte * 8))
                }
            }
        }
        self.init(form: .packed, bytes: packed)
    }

    /// The runs as varints, or nil once they are longer than `byteLimit`.
    private static func runs(of planes: some Sequence<StatePlanes>, byteLimit: Int, runCount: Int) -> [UInt8]? {
        var runs = RunWriter(byteLimit: byteLimit, runCount: runCount)
        for plane in planes {
            // Seat 0 of a word continues the writer's run when its state is the same.
            var boundaries = plane.changes(after: nil)
            var start = 0
            while true {
                let end = boundaries == 0 ? plane.width : boundaries.trailingZeroBitCount
                guard runs.append(plane.state(start), count: end - start) else { return nil }
                if boundaries == 0 { break }
                boundaries &= boundaries - 1
                start = end
            }
        }
        return runs.finish()
    }

    /// The even bits of `bits` moved to the low 32 bits of the result: bit 2i to bit i.
    private static func compact(_ bits: UInt64) -> UInt64 {
        var x = bits & 0x5555_5555_5555_5555
        x = (x | x >> 1) & 0x3333_3333_3333_3333
        x = (x | x >> 2) & 0x0f0f_0f0f_0f0f_0f0f
        x = (x | x >> 4) & 0x00ff_00ff_00ff_00ff
        x = (x | x >> 8) & 0x0000_ffff_0000_ffff
        return (x | x >> 16) & 0x0000_0000_ffff_ffff
    }

    /// The low 32 bits of `bits` moved to the even bits of the result: bit i to bit 2i.
    private static func spread(_ bits: UInt64) -> UInt64 {
        var x = bits & 0xffff_ffff
        x = (x | x << 16) & 0x0000_ffff_0000_ffff
        x = (x | x << 8) & 0x00ff_00ff_00ff_00ff
        x = (x | x << 4) & 0x0f0f_0f0f_0f0f_0f0f
        x = (x | x << 2) & 0x3333_3333_3333_3333
        return (x | x << 1) & 0x5555_5555_5555_5555
    }

    /// Throws unless the bytes describe exactly `seatCount` seats, building nothing: what a
    /// reader checks of a reply before it decides to decode the states.
    public func check(seatCount: Int) throws(PayloadError) {
        switch form {
        case .runs: try forEachRun(seatCount: seatCount) { _, _ in }
        case .packed: try checkPacked(seatCount: seatCount)
        }
    }

    /// The bitmaps back: `taken` (held, sold or blocked), `sold` and `blocked`, each of
    /// `(seatCount + 63) / 64` words.
    ///
    /// - Throws: when the bytes do not describe exactly `seatCount` seats.
    public func bitmaps(seatCount: Int) throws(PayloadError) -> (taken: [UInt64], sold: [UInt64], blocked: [UInt64]) {
        var maps = Bitmaps(seatCount: seatCount)
        switch form {
        case .runs:
            try forEachRun(seatCount: seatCount) { seats, state in maps.set(seats, to: state) }
        case .packed:
            try checkPacked(seatCount: seatCount)
            // Sixteen bytes a word: the even bits of each pair are the low plane, the odd bits
            // the high one.
            for word in 0..<maps.taken.count {
                var planes: (low: UInt64, high: UInt64) = (0, 0)
                for half in 0..<2 {
                    var pairs: UInt64 = 0
                    for byte in 0..<8 where word * 16 + half * 8 + byte < bytes.count {
                        pairs |= UInt64(bytes[word * 16 + half * 8 + byte]) << UInt64(byte * 8)
                    }
                    planes.low |= Self.compact(pairs) << UInt64(half * 32)
                    planes.high |= Self.compact(pairs >> 1) << UInt64(half * 32)
                }
                maps.taken[word] = planes.low | planes.high
                maps.sold[word] = planes.high & ~planes.low
                maps.blocked[word] = planes.low & planes.high
            }
        }
        return (maps.taken, maps.sold, maps.blocked)
    }

    /// Hands `body` each run of the runs form, checking they cover exactly `seatCount` seats.
    private func forEachRun(seatCount: Int, _ body: (Range<Int>, UInt8) -> Void) throws(PayloadError) {
        var seat = 0
        var reader = VarintReader(bytes: bytes)
        while seat < seatCount {
            guard let value = try reader.next() else { throw .truncated(field: "seat runs") }
            let length = Int(value >> 2) + 1
            guard length <= seatCount - seat else {
                throw .tooLong(field: "seat runs", length: seat + length, limit: seatCount)
            }
            body(seat..<seat + length, UInt8(value & 3))
            seat += length
        }
        guard reader.isAtEnd else { throw .trailingBytes(bytes.count - reader.offset) }
    }

    private func checkPacked(seatCount: Int) throws(PayloadError) {
        guard bytes.count == (seatCount + 3) / 4 else {
            throw .invalidValue(field: "packed seat states length", value: UInt64(bytes.count))
        }
        if seatCount & 3 != 0, bytes[bytes.count - 1] >> UInt8((seatCount & 3) * 2) != 0 {
            throw .invalidValue(field: "packed seat states padding", value: UInt64(bytes[bytes.count - 1]))
        }
    }
}

/// One 64-seat word of the three bitmaps as the two bits of each seat's state: `low` is set
/// for held and blocked seats, `high` for sold and blocked ones. Seats past the show's end are 0.
private struct StatePlanes {
    let low: UInt64
    let high: UInt64
    /// The seats of the word that exist.
    let width: Int
    let mask: UInt64

    init(word: Int, seatCount: Int, taken: [UInt64], sold: [UInt64], blocked: [UInt64]) {
        width = min(64, seatCount - word * 64)
        mask = width == 64 ? ~0 : (1 << UInt64(width)) - 1
        low = ((taken[word] & ~sold[word]) | blocked[word]) & mask
        high = (sold[word] | blocked[word]) & mask
    }

    func state(_ bit: Int) -> UInt8 {
        UInt8(truncatingIfNeeded: (low >> UInt64(bit)) & 1 | ((high >> UInt64(bit)) & 1) << 1)
    }

    /// Bit i set where seat i's state differs from seat i - 1's; bit 0 compares with the last
    /// seat of `previous`, and is clear without one.
    func changes(after previous: StatePlanes?) -> UInt64 {
        let carriedLow = previous.map { $0.low >> 63 } ?? low & 1
        let carriedHigh = previous.map { $0.high >> 63 } ?? high & 1
        return ((low ^ (low << 1 | carriedLow)) | (high ^ (high << 1 | carriedHigh))) & mask
    }
}

/// Runs as varints, giving up once they would pass `byteLimit`.
private struct RunWriter {
    let byteLimit: Int
    var bytes: [UInt8] = []
    var state: UInt8 = 0
    var length = 0

    init(byteLimit: Int, runCount: Int) {
        self.byteLimit = byteLimit
        // Most runs of a seat map take one or two bytes.
        bytes.reserveCapacity(min(byteLimit, runCount * 2) + 5)
    }

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

    /// Sets a run's seats a word at a time.
    mutating func set(_ seats: Range<Int>, to state: UInt8) {
        guard state != 0 else { return }
        var seat = seats.lowerBound
        while seat < seats.upperBound {
            let offset = seat & 63
            let count = min(64 - offset, seats.upperBound - seat)
            let bits: UInt64 = (count == 64 ? ~0 : (1 << UInt64(count)) - 1) << UInt64(offset)
            taken[seat >> 6] |= bits
            if state == 2 { sold[seat >> 6] |= bits }
            if state == 3 { blocked[seat >> 6] |= bits }
            seat += count
        }
    }
}
