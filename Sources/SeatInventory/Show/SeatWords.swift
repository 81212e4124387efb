/// One bit per seat of a show in 64-bit atomic words: seat `i` is bit `i % 64` of word `i / 64`.
///
/// Seats of one operation are passed sorted ascending and without duplicates, so they can be
/// applied word by word with one atomic operation per word touched.
struct SeatWords: Sendable {
    let words: AtomicWords

    init(seatCount: Int, initial: SeatBitmap? = nil) {
        words = AtomicWords(count: SeatBitmap.wordCount(seatCount: seatCount))
        if let initial {
            for (index, word) in initial.words.enumerated() where word != 0 {
                words.store(index, word)
            }
        }
    }
    func contains(_ seat: Int) -> Bool {
        words.loadAcquiring(seat >> 6) & (1 << UInt64(seat & 63)) != 0
    }

    /// Sets the bits of all `seats` or none of them.
    ///
    /// Each word is claimed with compare-and-swap in ascending order; on the first seat already
    /// set, the words claimed so far are rolled back. No lock is taken: a thread that loses a
    /// race retries its compare-and-swap only when unrelated bits of the word changed.
    ///
    /// - Returns: nil when every bit was set, else the lowest seat that was already set.
    func setAll(_ seats: Span<UInt32>) -> Int? {
        var start = 0
        while start < seats.count {
            let (word, mask, end) = Self.wordMask(seats, from: start)
            var current = words.load(word)
            while true {
                let conflicts = current & mask
                if conflicts != 0 {
                    clearAll(seats.extracting(0..<start))
                    return word << 6 | conflicts.trailingZeroBitCount
                }
                let (exchanged, original) = words.compareExchange(word, expected: current, desired: current | mask)
                if exchanged { break }
                current = original
            }
            start = end
        }
        return nil
    }

    /// Clears the bits of `seats`, which the caller owns.
    func clearAll(_ seats: Span<UInt32>) {
        var start = 0
        while start < seats.count {
            let (word, mask, end) = Self.wordMask(seats, from: start)
            #if INVENTORY_INTERNAL_CHECKS
            precondition(words.load(word) & mask == mask, "clearing seats that are not set")
            #endif
            words.clearBits(word, mask)
            start = end
        }
    }

    /// Sets the bits of `seats`, which no other operation may set concurrently.
    func setOwned(_ seats: Span<UInt32>) {
        var start = 0
        while start < seats.count {
            let (word, mask, end) = Self.wordMask(seats, from: start)
            #if INVENTORY_INTERNAL_CHECKS
            precondition(words.load(word) & mask == 0, "setting seats that are already set")
            #endif
            words.setBits(word, mask)
            start = end
        }
    }

    /// The word of `seats[start]`, the mask of every seat from `start` in that word, and the
    /// index of the first seat past it.
    static func wordMask(_ seats: Span<UInt32>, from start: Int) -> (word: Int, mask: UInt64, end: Int) {
        let word = Int(seats[start] >> 6)
        var mask: UInt64 = 0
        var end = start
        while end < seats.count, Int(seats[end] >> 6) == word {
            mask |= 1 << UInt64(seats[end] & 63)
            end += 1
        }
        return (word, mask, end)
    }

}
