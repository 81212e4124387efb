/// The slots of one reservation table that a new hold may claim: a bitmap with one bit per
/// slot, set while the slot is free, and a summary with one bit per bitmap word.
///
/// Taking a slot is clearing its bit, one atomic read-modify-write, so exactly one claimer wins
/// each free slot and no slot is handed out twice. Claims sweep the table round-robin from a
/// shared cursor, so a freed slot is reused as late as possible and a slot's generation (the
/// fencing token in every id) rises slowly. Walking the slots' state words instead made every
/// claim step over the bookings in its way, and a table full of bookings cost a scan of every
/// slot on each refused hold; here a claim costs O(1) while free slots are dense, and at worst
/// one pass over the summary, `capacity / 4096` words.
///
/// The summary is a hint that never hides a free slot: a summary bit is set whenever its word
/// has a bit set. A claimer that empties a word clears the word's summary bit and then looks at
/// the word again, while a release that fills an empty word sets the summary bit after the word;
/// both in the one order all threads agree on (sequentially consistent), so one of the two
/// always sees the other. A summary bit may stay set over an empty word for a moment; a claimer
/// that finds it so clears it.
struct FreeSlotIndex: Sendable {
    let capacity: Int
    private let wordCount: Int
    private let bits: AtomicWords
    private let summary: AtomicWords
    /// The slot the next claim looks at first.
    private let cursor = AtomicWords(count: 1)

    /// An index with every slot free.
    init(capacity: Int) {
        self.capacity = capacity
        wordCount = (capacity + 63) / 64
        bits = AtomicWords(count: wordCount, initialValue: .max)
        summary = AtomicWords(count: (wordCount + 63) / 64, initialValue: .max)
        // Bits past the last slot (and summary bits past the last word) must never be set.
        if capacity % 64 != 0 { bits.store(wordCount - 1, Self.lowBits(capacity % 64)) }
        if wordCount % 64 != 0 { summary.store(summary.count - 1, Self.lowBits(wordCount % 64)) }
    }

    func deallocate() {
        bits.deallocate()
        summary.deallocate()
        cursor.deallocate()
    }

    /// The slot the next claim looks at first: kept in images, so that a restarted engine goes
    /// on round the table rather than reusing its first slots again.
    var claimCursor: Int {
        get { Int(truncatingIfNeeded: cursor.load(0)) }
        nonmutating set { cursor.store(0, UInt64(newValue % capacity)) }
    }

    /// Takes the first free slot at or after the cursor, wrapping around; nil when none is free.
    func take() -> Int? {
        let start = Int(truncatingIfNeeded: cursor.load(0))
        let startWord = start / 64
        let taken = take(inWord: startWord, fromBit: start % 64)
            ?? takeFirst(inWords: startWord + 1..<wordCount)
            ?? takeFirst(inWords: 0..<startWord + 1)
        guard let taken else { return nil }
        // Losing this race means another claim moved the cursor on; either position is fair.
        _ = cursor.compareExchange(0, expected: UInt64(start), desired: UInt64((taken + 1) % capacity))
        return taken
    }

    /// Makes `slot` free again; the caller gave it up and no one else holds it.
    func put(_ slot: Int) {
        let word = slot / 64
        let previous = bits.fetchSetBits(word, 1 << UInt64(slot % 64))
        if previous == 0 { summary.fetchSetBits(word / 64, 1 << UInt64(word % 64)) }
    }

    /// Marks `slot` taken without a claim: only while no other thread uses the table (restoring
    /// an image).
    func remove(_ slot: Int) {
        let word = slot / 64
        let previous = bits.fetchClearBits(word, 1 << UInt64(slot % 64))
        if previous == 1 << UInt64(slot % 64) { unmark(word) }
    }

    func isFree(_ slot: Int) -> Bool {
        bits.loadAcquiring(slot / 64) & 1 << UInt64(slot % 64) != 0
    }

    /// Whether the summary marks every word that has a free slot; only while no other thread
    /// uses the index.
    func summaryMarksEveryFreeSlot() -> Bool {
        (0..<wordCount).allSatisfy { word in
            bits.load(word) == 0 || summary.load(word / 64) & 1 << UInt64(word % 64) != 0
        }
    }

    private func takeFirst(inWords words: Range<Int>) -> Int? {
        var next = words.lowerBound
        while let word = firstMarkedWord(in: next..<words.upperBound) {
            if let slot = take(inWord: word, fromBit: 0) { return slot }
            next = word + 1
        }
        return nil
    }

    /// Clears the lowest set bit of `word` at or above `fromBit`; its slot, or nil when none is set.
    private func take(inWord word: Int, fromBit: Int) -> Int? {
        let wanted = UInt64.max << UInt64(fromBit)
        while true {
            let available = bits.loadAcquiring(word) & wanted
            guard available != 0 else {
                if fromBit == 0 { unmark(word) }
                return nil
            }
            let chosen = available & (0 &- available)
            let previous = bits.fetchClearBits(word, chosen)
            guard previous & chosen != 0 else { continue }  // another claim took it first
            if previous == chosen { unmark(word) }
            return word * 64 + chosen.trailingZeroBitCount
        }
    }

    /// The first word in `words` whose summary bit is set.
    private func firstMarkedWord(in words: Range<Int>) -> Int? {
        var word = words.lowerBound
        while word < words.upperBound {
            let marks = summary.loadAcquiring(word / 64) & UInt64.max << UInt64(word % 64)
            if marks != 0 {
                let marked = word / 64 * 64 + marks.trailingZeroBitCount
                return marked < words.upperBound ? marked : nil
            }
            word = (word / 64 + 1) * 64
        }
        return nil
    }

    /// Clears the summary bit of a word seen empty, then sets it again if a release filled the
    /// word meanwhile.
    private func unmark(_ word: Int) {
        let mark: UInt64 = 1 << UInt64(word % 64)
        summary.fetchClearBits(word / 64, mark)
        if bits.loadSequentiallyConsistent(word) != 0 { summary.fetchSetBits(word / 64, mark) }
    }

    private static func lowBits(_ count: Int) -> UInt64 { (1 << UInt64(count)) - 1 }
}
