/// An immutable set of seat indices, one bit per seat in 64-bit words (seat `i` is bit `i % 64`
/// of word `i / 64`), the same word layout as a show's atomic seat words.
public struct SeatBitmap: Hashable, Sendable {
    public let seatCount: Int
    public let words: [UInt64]

    public init(seatCount: Int, words: [UInt64]) {
        precondition(words.count == Self.wordCount(seatCount: seatCount), "bitmap word count does not match its seats")
        self.seatCount = seatCount
        self.words = words
    }

    init(seatCount: Int, containing isMember: (Int) -> Bool) {
        var words = [UInt64](repeating: 0, count: Self.wordCount(seatCount: seatCount))
        for seat in 0..<seatCount where isMember(seat) {
            words[seat >> 6] |= 1 << UInt64(seat & 63)
        }
        self.init(seatCount: seatCount, words: words)
    }

    @inlinable
    public static func wordCount(seatCount: Int) -> Int { (seatCount + 63) >> 6 }

    @inlinable
    public func contains(_ seat: Int) -> Bool {
        words[seat >> 6] & (1 << UInt64(seat & 63)) != 0
    }

    /// How many seats are in the set. O(seats / 64).
    public var count: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    /// The member seats in ascending order. O(seats / 64 + members).
    public var members: [SeatIndex] {
        var result: [SeatIndex] = []
        for (wordIndex, word) in words.enumerated() {
            var remaining = word
            while remaining != 0 {
                result.append(SeatIndex(wordIndex << 6 | remaining.trailingZeroBitCount))
                remaining &= remaining - 1
            }
        }
        return result
    }
}
