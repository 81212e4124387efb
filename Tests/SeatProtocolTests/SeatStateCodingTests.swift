import NIOCore
import SeatProtocol
import SeatTestSupport
import Testing

/// SEAT_MAP's seat states: every map comes back as it went, in the shorter form, and bytes that
/// do not describe exactly the show's seats are refused.
@Suite struct SeatStateCodingTests {
    /// Bitmaps from one state per seat (0 free, 1 held, 2 sold, 3 blocked).
    static func bitmaps(_ states: [UInt8]) -> (taken: [UInt64], sold: [UInt64], blocked: [UInt64]) {
        let words = (states.count + 63) / 64
        var taken = [UInt64](repeating: 0, count: words)
        var sold = taken
        var blocked = taken
        for (seat, state) in states.enumerated() where state != 0 {
            let bit: UInt64 = 1 << UInt64(seat & 63)
            taken[seat >> 6] |= bit
            if state == 2 { sold[seat >> 6] |= bit }
            if state == 3 { blocked[seat >> 6] |= bit }
        }
        return (taken, sold, blocked)
    }

    static func coding(_ states: [UInt8]) -> SeatStateCoding {
        let maps = bitmaps(states)
        return SeatStateCoding(seatCount: states.count, taken: maps.taken, sold: maps.sold, blocked: maps.blocked)
    }

    static func roundTrips(_ states: [UInt8]) throws -> Bool {
        let decoded = try coding(states).bitmaps(seatCount: states.count)
        let expected = bitmaps(states)
        return decoded.taken == expected.taken && decoded.sold == expected.sold && decoded.blocked == expected.blocked
    }

    /// Maps of every kind, from one seat to a stadium: runs of random lengths, where long runs
    /// favour the runs form and short ones the packed form.
    @Test(arguments: randomizedSeeds(fixed: 3))
    func randomMapsComeBackAsTheyWent(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        for _ in 0..<200 {
            let seatCount = [0, 1, 3, 4, 63, 64, 65, 300, 100_000].randomElement(using: &random)!
            let runLengthMax = [1, 2, 8, 64, 5_000].randomElement(using: &random)!
            var states: [UInt8] = []
            while states.count < seatCount {
                let length = min(Int.random(in: 1...runLengthMax, using: &random), seatCount - states.count)
                states += repeatElement(UInt8.random(in: 0...3, using: &random), count: length)
            }
            let coding = Self.coding(states)
            #expect(try Self.roundTrips(states), "seed \(seed), \(seatCount) seats, runs up to \(runLengthMax)")
            #expect(coding.bytes.count <= (seatCount + 3) / 4, "seed \(seed): never longer than two bits a seat")
        }
    }

    @Test func aHouseInBlocksTakesAFewBytes() throws {
        let stadium = [UInt8](repeating: 2, count: 40_000) + [UInt8](repeating: 0, count: 59_998) + [3, 3]
        let coding = Self.coding(stadium)
        #expect(coding.form == .runs)
        // Three runs: 40,000 sold (3 bytes), 59,998 free (3 bytes), 2 blocked (1 byte).
        #expect(coding.bytes.count == 7)
        #expect(try Self.roundTrips(stadium))
        // 300 free seats: 299 << 2 = 1,196, as the varint 0xac 0x09.
        #expect(Self.coding([UInt8](repeating: 0, count: 300)).bytes == [0xac, 0x09])
    }

    @Test func alternatingSeatsArePacked() throws {
        let states = (0..<301).map { UInt8($0 % 4) }
        let coding = Self.coding(states)
        #expect(coding.form == .packed)
        #expect(coding.bytes.count == 76)
        // Seats 0-3 are free, held, sold, blocked: 0b11_10_01_00.
        #expect(coding.bytes.first == 0b1110_0100)
        #expect(try Self.roundTrips(states))
    }

    @Test func runsThatDoNotCoverTheSeatsExactlyAreRefused() {
        // One run of 10 free seats is 36 = 9 << 2.
        let ten = SeatStateCoding(form: .runs, bytes: [36])
        #expect(throws: PayloadError.truncated(field: "seat runs")) { try ten.bitmaps(seatCount: 11) }
        #expect(throws: PayloadError.tooLong(field: "seat runs", length: 10, limit: 9)) { try ten.bitmaps(seatCount: 9) }
        // A reply is checked without building its bitmaps, with the same refusals.
        #expect(throws: PayloadError.truncated(field: "seat runs")) { try ten.check(seatCount: 11) }
        #expect(throws: Never.self) { try ten.check(seatCount: 10) }
        #expect(throws: PayloadError.trailingBytes(1)) {
            try SeatStateCoding(form: .runs, bytes: [36, 0]).bitmaps(seatCount: 10)
        }
        #expect(throws: PayloadError.truncated(field: "seat run")) {
            try SeatStateCoding(form: .runs, bytes: [0x80]).bitmaps(seatCount: 10)
        }
        #expect(throws: PayloadError.tooLong(field: "seat run varint", length: 6, limit: 5)) {
            try SeatStateCoding(form: .runs, bytes: [0x80, 0x80, 0x80, 0x80, 0x80, 0x01]).bitmaps(seatCount: 10)
        }
    }

    @Test func packedStatesOfAnotherLengthOrWithPaddingAreRefused() {
        #expect(throws: PayloadError.invalidValue(field: "packed seat states length", value: 2)) {
            try SeatStateCoding(form: .packed, bytes: [0, 0]).bitmaps(seatCount: 9)
        }
        // Five seats use two bits of the second byte; the rest must be 0.
        #expect(throws: PayloadError.invalidValue(field: "packed seat states padding", value: 0b0100)) {
            try SeatStateCoding(form: .packed, bytes: [0, 0b0100]).bitmaps(seatCount: 5)
        }
        #expect(throws: PayloadError.invalidValue(field: "packed seat states padding", value: 0b0100)) {
            try SeatStateCoding(form: .packed, bytes: [0, 0b0100]).check(seatCount: 5)
        }
    }

    /// The reply's own checks: an unknown form, and a seat count no show may have, which a few
    /// bytes of runs could otherwise make a client allocate.
    @Test func aReplyWithAnUnknownFormOrTooManySeatsIsRefused() {
        func reply(form: UInt8, seatCount: UInt32, states: [UInt8]) -> ByteBuffer {
            var buffer = ByteBuffer()
            buffer.writeMultipleIntegers(UInt32(3), UInt64(1 << 40), UInt8(0), UInt8(0), seatCount)
            buffer.writeMultipleIntegers(UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt16(0), form)
            buffer.writeInteger(UInt32(states.count))
            buffer.writeBytes(states)
            return buffer
        }
        var unknown = reply(form: 3, seatCount: 10, states: [36])
        #expect(throws: PayloadError.invalidValue(field: "state form", value: 3)) {
            try Response.decode(opcode: .seatMap, payload: &unknown)
        }
        var huge = reply(form: 1, seatCount: UInt32(ProtocolLimits.seatsPerShowMax + 1), states: [0xff, 0xff, 0xff, 0xff, 0x0f])
        #expect(throws: PayloadError.tooLong(field: "seat count", length: ProtocolLimits.seatsPerShowMax + 1, limit: ProtocolLimits.seatsPerShowMax)) {
            try Response.decode(opcode: .seatMap, payload: &huge)
        }
        var fine = reply(form: 1, seatCount: 10, states: [36])
        #expect(throws: Never.self) { try Response.decode(opcode: .seatMap, payload: &fine) }
    }
}
