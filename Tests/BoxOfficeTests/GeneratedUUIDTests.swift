import BoxOfficeStorage
import Foundation
import Testing

@Suite("Generated UUIDs: time-ordered, random beyond their time")
struct GeneratedUUIDTests {
    @Test func everyOneIsAVersion7UUIDOfTheRFCsVariantCarryingItsMillisecondAndNoneRepeats() {
        let count = 20_000
        // 2026-12-05T00:00:00.123Z and half a millisecond, away from where rounding could tip it.
        let date = Date(timeIntervalSince1970: 1_796_428_800.1235)
        var seen = Set<UUID>()
        var bitsEverSet: UInt8 = 0
        for _ in 0..<count {
            let uuid = UUID.timeOrdered(at: date)
            let bytes = withUnsafeBytes(of: uuid.uuid) { Array($0) }
            #expect(bytes[6] >> 4 == 7, "version nibble of \(uuid)")
            #expect(bytes[8] >> 6 == 0b10, "variant bits of \(uuid)")
            // The first 48 bits are the Unix time in milliseconds, big-endian.
            #expect(bytes[0..<6].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } == 1_796_428_800_123)
            // Its text is the standard form, and reads back as itself.
            #expect(UUID(uuidString: uuid.uuidString) == uuid)
            #expect(uuid.uuidString.utf8.count == 36)
            bitsEverSet |= bytes[15]
            seen.insert(uuid)
        }
        // Within one millisecond the random bits alone keep them apart.
        #expect(seen.count == count)
        // The random bytes are not stuck: every bit of the last byte was set by some UUID.
        #expect(bitsEverSet == 0xFF)
    }

    @Test func idsMadeInLaterMillisecondsSortAfterEarlierOnesAsText() {
        // Milliseconds apart, then across a carry into the next hex digit and beyond; each in the
        // middle of its millisecond.
        let milliseconds: [Int64] = [0, 1, 2, 15, 16, 255, 256, 1000, 4_096_000, 31_536_000_000].map { 1_796_428_800_000 + $0 }
        let ids = milliseconds.map { UUID.timeOrdered(at: Date(timeIntervalSince1970: (Double($0) + 0.5) / 1000)).uuidString.lowercased() }
        for (id, millisecond) in zip(ids, milliseconds) {
            let hex = String(millisecond, radix: 16)
            #expect(id.filter { $0 != "-" }.prefix(12) == String(repeating: "0", count: 12 - hex.count) + hex)
        }
        #expect(ids == ids.sorted())
        #expect(Set(ids).count == ids.count)
        // And the text form the box office uses is that lowercase form.
        let made = UUID.timeOrderedID()
        #expect(made == made.lowercased() && UUID(uuidString: made) != nil)
    }
}
