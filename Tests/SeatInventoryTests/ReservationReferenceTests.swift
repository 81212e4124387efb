import SeatInventory
import SeatTestSupport
import Testing

/// The textual form of hold and booking ids: one form out, the same form in, typos refused.
@Suite struct ReservationReferenceTests {
    /// An id of the documented layout: shard, slot and generation fields, booking bit clear.
    static func holdBits(shard: UInt64, slot: UInt64, generation: UInt64) -> UInt64 {
        generation | slot << 22 | shard << 46
    }

    @Test func aHoldAndItsBookingDifferOnlyInTheLetter() throws {
        let bits = Self.holdBits(shard: 0, slot: 5, generation: 1)
        let hold = try #require(HoldID(rawValue: bits))
        let booking = try #require(BookingID(rawValue: bits | 1 << 63))
        #expect(ReservationReference.hold(hold).description == "H-14000018")
        #expect(ReservationReference.booking(booking).description == "B-14000018")
        #expect(hold.description == "hold H-14000018" && booking.description == "booking B-14000018")
        #expect(try ReservationReference(parsing: "h-14000018") == .hold(hold))
        #expect(try ReservationReference(parsing: "B-14000018") == .booking(booking))
    }

    @Test(arguments: randomizedSeeds(fixed: 4)) func everyIdRoundTripsThroughItsText(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        for _ in 0..<2_000 {
            let bits = Self.holdBits(
                shard: .random(in: 0..<256, using: &random), slot: .random(in: 0..<(1 << 24), using: &random),
                generation: .random(in: 0..<(1 << 22), using: &random))
            let raw = Bool.random(using: &random) ? bits | 1 << 63 : bits
            let reference = try #require(ReservationReference(rawValue: raw), "seed \(seed)")
            let parsed = try ReservationReference(parsing: reference.description)
            #expect(parsed.rawValue == raw, "seed \(seed): \(reference)")
        }
    }

    /// Luhn mod 16 catches every single mistyped digit, whichever digit it becomes.
    @Test func everyMistypedDigitIsRefusedAsATypo() throws {
        let raw = Self.holdBits(shard: 3, slot: 70_001, generation: 9) | 1 << 63
        let id = try #require(ReservationReference(rawValue: raw)).description
        let characters = Array(id)
        var typos = 0
        for position in 2..<characters.count {
            for digit in Array("0123456789ABCDEF") where digit != characters[position] {
                var typed = characters
                typed[position] = digit
                #expect(throws: ReservationReference.ParseError.checkFailed(String(typed))) {
                    try ReservationReference(parsing: String(typed))
                }
                typos += 1
            }
        }
        #expect(typos == (characters.count - 2) * 15)
    }

    @Test func swappedNeighboursAreRefusedButForZeroAndF() throws {
        var random = SeededGenerator(seed: 0x5eed)
        var swaps = 0
        var caught = 0
        for _ in 0..<500 {
            let bits = Self.holdBits(
                shard: .random(in: 0..<256, using: &random), slot: .random(in: 0..<(1 << 24), using: &random),
                generation: .random(in: 0..<(1 << 22), using: &random))
            let characters = Array(try #require(ReservationReference(rawValue: bits)).description)
            for position in 2..<(characters.count - 1) where characters[position] != characters[position + 1] {
                var typed = characters
                typed.swapAt(position, position + 1)
                swaps += 1
                if case .checkFailed? = Self.parseError(String(typed)) { caught += 1 }
            }
        }
        // Luhn mod 16 misses only a swapped 0 and F, whose doubled digit sums equal their own values
        // plus the same amount; uniform digits make that 2 of 240 ordered pairs.
        #expect(Double(caught) / Double(swaps) > 0.97, "\(caught) of \(swaps) swaps caught")
    }

    @Test func textThatIsNoIdSaysWhy() {
        #expect(Self.parseError("12345") == .malformed("12345"))
        #expect(Self.parseError("H") == .malformed("H"))
        #expect(Self.parseError("H14000018") == .malformed("H14000018"))  // a seat label's shape
        #expect(Self.parseError("X-14000018") == .malformed("X-14000018"))
        #expect(Self.parseError("H-14000019") == .checkFailed("H-14000019"))
        #expect(Self.parseError("H-14000０18") == .malformed("H-14000０18"))  // a full-width digit
        // The bits above the shard field are never set in an id an engine gives out.
        let digits = String(1 << 55 as UInt64, radix: 16, uppercase: true)
        let checked = (0..<16).map { "H-" + digits + String($0, radix: 16, uppercase: true) }
        #expect(checked.contains { Self.parseError($0) == .outOfRange($0) })
    }

    static func parseError(_ text: String) -> ReservationReference.ParseError? {
        do {
            _ = try ReservationReference(parsing: text)
            return nil
        } catch {
            return error
        }
    }
}
