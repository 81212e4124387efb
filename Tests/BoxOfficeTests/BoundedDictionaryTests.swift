import BoxOfficeStorage
import Testing

@Suite("What an instance keeps in memory stays within its limit")
struct BoundedDictionaryTests {
    /// Four entries kept at most; values are their ages.
    static func full() -> BoundedDictionary<String, Int> {
        var entries = BoundedDictionary<String, Int>(entriesMax: 4)
        for (key, age) in [("a", 1), ("b", 9), ("c", 2), ("d", 9)] { entries.set(age, for: key) }
        return entries
    }

    @Test func aNewKeyWhenFullStartsOverIfNothingIsStale() {
        var entries = Self.full()
        #expect(entries.count == 4)
        entries.set(3, for: "e", droppingWhenFull: { $0 > 100 })
        #expect(entries.count == 1 && entries["e"] == 3 && entries["a"] == nil)
    }

    @Test func theStaleEntriesGoFirst() {
        var entries = Self.full()
        entries.set(3, for: "e", droppingWhenFull: { $0 > 5 })
        #expect(entries.count == 3)
        #expect(entries["a"] == 1 && entries["c"] == 2 && entries["e"] == 3)
        #expect(entries["b"] == nil && entries["d"] == nil)
    }

    /// Eight kept at most, so dropping stale entries must free two: one is not enough, and the
    /// next new keys would each scan everything again.
    @Test func staleEntriesThatFreeTooLittleRoomStartItOver() {
        var entries = BoundedDictionary<String, Int>(entriesMax: 8)
        for age in 1...8 { entries.set(age, for: "\(age)") }
        #expect(entries.roomFreedMin == 2)
        entries.set(0, for: "new", droppingWhenFull: { $0 > 7 })
        #expect(entries.count == 1 && entries["new"] == 0)
        for age in 1...7 { entries.set(age, for: "\(age)") }
        entries.set(0, for: "newer", droppingWhenFull: { $0 > 5 })
        #expect(entries.count == 7 && entries["newer"] == 0 && entries["5"] == 5 && entries["6"] == nil)
    }

    @Test func replacingAKeptKeyWhenFullDropsNothing() {
        var entries = Self.full()
        entries.set(5, for: "b", droppingWhenFull: { _ in true })
        #expect(entries.count == 4 && entries["b"] == 5 && entries["d"] == 9)
        #expect(entries.removeValue(forKey: "b") == 5 && entries.count == 3)
        entries.set(6, for: "f")
        #expect(entries.count == 4, "a removed entry's room is used before anything is dropped")
    }
}
