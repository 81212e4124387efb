import BoxOfficeStorage
import Foundation
import Testing

@Suite("Random UUIDs drawn without Foundation's file reads")
struct RandomUUIDTests {
    @Test func everyOneIsAVersion4UUIDOfTheRFCsVariantAndNoneRepeats() {
        let count = 20_000
        var seen = Set<UUID>()
        var bitsEverSet: UInt8 = 0
        for _ in 0..<count {
            let uuid = UUID.random()
            let bytes = withUnsafeBytes(of: uuid.uuid) { Array($0) }
            #expect(bytes[6] >> 4 == 4, "version nibble of \(uuid)")
            #expect(bytes[8] >> 6 == 0b10, "variant bits of \(uuid)")
            // Its text is the standard form, and reads back as itself.
            #expect(UUID(uuidString: uuid.uuidString) == uuid)
            #expect(uuid.uuidString.utf8.count == 36)
            bitsEverSet |= bytes[15]
            seen.insert(uuid)
        }
        #expect(seen.count == count)
        // The random bytes are not stuck: every bit of the last byte was set by some UUID.
        #expect(bitsEverSet == 0xFF)
    }
}
