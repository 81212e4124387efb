import Foundation
import SeatInventory
import SeatJournal
import SeatSamples

/// An engine journaling into a temporary data directory, driven by seeded random operations.
public struct JournaledEngine: Sendable {
    public static let configuration = InventoryConfiguration(shardCount: 2, reservationsPerShard: 64, seatsPerReservationMax: 8)

    public let directory: DataDirectory
    public let engine: InventoryEngine
    public let journal: EngineJournal
    public let encryption: EncryptionKeys?

    /// Three shows of the sample cinema, journaled into a new data directory at `path`,
    /// encrypted when `encryption` is given.
    public init(in path: String, segmentBytesMax: Int = 64 << 20, encryption: EncryptionKeys? = nil) throws {
        directory = try DataDirectory(path)
        self.encryption = encryption
        journal = EngineJournal(
            writer: try JournalWriter(
                directory: directory.journal, lastLSN: 0, segmentBytesMax: segmentBytesMax, encryption: encryption),
            layouts: [])
        engine = try InventoryEngine(configuration: Self.configuration, changeLog: journal)
        let json = Array(try JSONEncoder().encode(SampleVenues.cinema()))
        let layout = try DurableState.Layout(id: 0, json: json)
        journal.logLayoutDefined(layout)
        for _ in 0..<3 { _ = try engine.createShow(layout: layout.layout, rules: ShowRules(forbidsSingleSeatGaps: false, seatsPerHoldMax: 8)) }
    }

    /// `count` random holds, confirmations, releases, extensions, cancellations and expiries.
    public func run(_ count: Int, random: inout SeededGenerator, from start: UInt64) {
        var holds: [HoldID] = []
        var bookings: [BookingID] = []
        for step in 0..<UInt64(count) {
            let now = Timestamp(milliseconds: start + step * 10)
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<4:
                let seat = Int.random(in: 0..<298, using: &random)
                let show = ShowID(rawValue: UInt32.random(in: 0..<3, using: &random))
                let seats = [SeatIndex(seat), SeatIndex(seat + 1)]
                if let hold = try? engine.holdSeats(seats, in: show, for: .milliseconds(Int.random(in: 50...5000, using: &random)), at: now) {
                    holds.append(hold.id)
                }
            case 4, 5:
                if let hold = holds.randomElement(using: &random), let booking = try? engine.confirm(hold, at: now) {
                    bookings.append(booking)
                }
            case 6:
                if let hold = holds.randomElement(using: &random) { try? engine.release(hold, at: now) }
            case 7:
                if let hold = holds.randomElement(using: &random) { _ = try? engine.extend(hold, by: .seconds(3), at: now) }
            case 8:
                if let booking = bookings.randomElement(using: &random) { try? engine.cancel(booking, at: now) }
            default:
                engine.expireHolds(at: now)
            }
        }
    }

    /// A new engine loaded from what recovery makes of the directory, with `keys` (by default
    /// the ones it was written with).
    public func recovered(keys: EncryptionKeys?? = .none) throws -> (InventoryEngine, StateRecovery.Report) {
        let (state, report) = try StateRecovery.recover(directory, configuration: Self.configuration, keys: keys ?? encryption)
        let engine = try InventoryEngine(configuration: Self.configuration)
        try engine.load(state.image)
        return (engine, report)
    }
}

/// Keys for tests: key `id` is 32 bytes of `id`'s low byte, unless a `seed` varies it.
public enum TestKeys {
    public static func key(_ id: UInt32, seed: UInt8 = 0) -> [UInt8] {
        [UInt8](repeating: UInt8(truncatingIfNeeded: id) &+ seed, count: 32)
    }

    public static func keys(_ ids: [UInt32], seed: UInt8 = 0) throws -> EncryptionKeys {
        try EncryptionKeys(keys: ids.map { ($0, key($0, seed: seed)) })
    }

    /// A key file with these ids, mode 600, in `directory`; its path.
    public static func file(in directory: String, ids: [UInt32], seed: UInt8 = 0, name: String = "keys") throws -> String {
        let path = directory + "/" + name
        let text = ids.map { id in "\(id):" + key(id, seed: seed).map { String(format: "%02x", $0) }.joined() }.joined(separator: "\n")
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown)
        }
        return path
    }
}
