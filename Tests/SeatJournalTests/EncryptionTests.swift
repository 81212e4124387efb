import Foundation
import SeatInventory
import SeatSamples
import SeatTestSupport
import Testing
@testable import SeatJournal

/// Encryption at rest: AES-256-GCM itself, keys, and the journal and snapshots encrypted,
/// round trip, damage, missing and wrong keys, rotation, and the persister's tail.
@Suite(.timeLimit(.minutes(3))) struct EncryptionTests {
    static let key = TestKeys.key(1)

    @Test func aesGCMRoundTripsAndRefusesAnyChange() throws {
        let plaintext = Array("the seats of show 7".utf8)
        let nonce = [UInt8](repeating: 3, count: 12)
        let associated = Array("header".utf8)
        var sealed: [UInt8] = []
        try plaintext.withUnsafeBytes { try AESGCM.seal($0, key: Self.key, nonce: nonce, associated: associated, into: &sealed) }
        #expect(sealed.count == plaintext.count + AESGCM.tagBytes)
        #expect(!sealed.starts(with: plaintext.prefix(8)))
        #expect(try sealed.withUnsafeBytes { try AESGCM.open($0, key: Self.key, nonce: nonce, associated: associated) } == plaintext)
        for bit in 0..<(sealed.count * 8) {
            var flipped = sealed
            flipped[bit / 8] ^= 1 << UInt8(bit % 8)
            #expect(throws: EncryptionError.authenticationFailed) {
                try flipped.withUnsafeBytes { try AESGCM.open($0, key: Self.key, nonce: nonce, associated: associated) }
            }
        }
        #expect(throws: EncryptionError.authenticationFailed, "another key") {
            try sealed.withUnsafeBytes { try AESGCM.open($0, key: TestKeys.key(2), nonce: nonce, associated: associated) }
        }
        #expect(throws: EncryptionError.authenticationFailed, "other associated data") {
            try sealed.withUnsafeBytes { try AESGCM.open($0, key: Self.key, nonce: nonce, associated: Array("headex".utf8)) }
        }
    }

    @Test func keyFilesAreParsedStrictlyAndMustBePrivate() throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        let path = try TestKeys.file(in: temporary.path, ids: [1, 2])
        let keys = try EncryptionKeys(file: path)
        #expect(keys.currentID == 2 && keys.current.key == TestKeys.key(2))
        #expect(try keys.key(1, for: "f") == TestKeys.key(1))
        #expect(throws: EncryptionError.keyMissing(path: "f", keyID: 3)) { try keys.key(3, for: "f") }
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        #expect(throws: EncryptionError.self, "readable by others") { try EncryptionKeys(file: path) }
        for bad in ["", "1:abc", "x:" + String(repeating: "0", count: 64), "0:" + String(repeating: "0", count: 64),
                    "1:" + String(repeating: "0", count: 64) + "\n1:" + String(repeating: "1", count: 64),
                    "1:" + String(repeating: "g", count: 64)] {
            #expect(throws: EncryptionError.self, "\(bad)") { try EncryptionKeys(parsing: bad) }
        }
        #expect(try EncryptionKeys(parsing: "# ours\n\n7:" + String(repeating: "Ab", count: 32) + "\n").currentID == 7)
        #expect(try EncryptionKeys.randomKeyHex().count == 64)
    }

    @Test(arguments: randomizedSeeds(fixed: 2))
    func anEncryptedJournalAndSnapshotRebuildTheEngineAndHideTheirContents(seed: UInt64) async throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        var random = SeededGenerator(seed: seed)
        let live = try JournaledEngine(in: temporary.path, segmentBytesMax: 20_000, encryption: try TestKeys.keys([1]))
        live.run(1_500, random: &random, from: 0)
        let snapshotter = Snapshotter(engine: live.engine, journal: live.journal, directory: live.directory, encryption: live.encryption)
        let report = try await OwnThread.run { try snapshotter.takeSnapshot() }
        live.run(1_500, random: &random, from: 100_000)
        try await live.journal.writer.closed()
        // A layout's JSON names its sections: nowhere in the clear on disk.
        let name = Array(live.journal.definedLayouts[0].layout.name.utf8)
        for file in try Self.files(in: temporary.path) {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
            #expect(!Self.contains(bytes, name), "\(file) holds the layout's name in the clear")
        }
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: report.path))).starts(with: Array("SEATSNPE".utf8)))
        let (recovered, recovery) = try live.recovered()
        #expect(recovery.snapshot?.path == report.path)
        #expect(sameState(live.engine, recovered), "seed \(seed)")
        #expect(recovered.invariantViolations().isEmpty)
    }

    /// Every single-bit flip of an encrypted segment is caught: in the header, the start is
    /// refused; in a frame followed by valid frames, recovery stops there; in the last frame, it
    /// is cut as a torn tail. Never is a changed record replayed.
    @Test func everyBitFlipOfAnEncryptedSegmentIsDetected() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let keys = try TestKeys.keys([1])
        try await OwnThread.run {
            let writer = try JournalWriter(directory: directory.path, lastLSN: 0, encryption: keys)
            for index in 0..<5 {
                let durable = DispatchSemaphore(value: 0)
                try writer.append(type: 1, bytes: testPayload(index)) { _ in durable.signal() }
                durable.wait()  // one frame per record
            }
            writer.close()
        }
        let path = try #require(directory.segmentPaths.last)
        let frameStarts = try Self.frameStarts(try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(frameStarts.count == 5)
        try expectEveryBitFlipCaught(
            directory: directory.path, path: path, headerBytes: EncryptedSegment.headerBytes, lastUnit: frameStarts[4],
            wholeUnits: 4, keys: keys)
    }

    @Test func everyBitFlipOfAnEncryptedSnapshotIsDetected() async throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        var random = SeededGenerator(seed: 9)
        let live = try JournaledEngine(in: temporary.path, encryption: try TestKeys.keys([1]))
        live.run(50, random: &random, from: 0)
        let snapshotter = Snapshotter(engine: live.engine, journal: live.journal, directory: live.directory, encryption: live.encryption)
        let report = try await OwnThread.run { try snapshotter.takeSnapshot() }
        try await live.journal.writer.closed()
        let original = try JournalFiles.readAll(report.path)
        #expect(try SnapshotFile.decode(file: original, keys: live.encryption).1.startLSN == report.startLSN)
        var undetected: [Int] = []
        for bit in 0..<(original.count * 8) {
            var flipped = original
            flipped[bit / 8] ^= 1 << UInt8(bit % 8)
            if (try? SnapshotFile.decode(file: flipped, keys: live.encryption)) != nil { undetected.append(bit) }
        }
        #expect(undetected.isEmpty, "flipped bits read back as a snapshot: \(undetected.prefix(10))")
    }

    /// A missing or wrong key stops recovery with a message naming the file and key, never an
    /// empty or partial state.
    @Test func aMissingOrWrongKeyIsRefusedNamingTheFile() async throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        var random = SeededGenerator(seed: 4)
        let live = try JournaledEngine(in: temporary.path, encryption: try TestKeys.keys([5]))
        live.run(200, random: &random, from: 0)
        try await live.journal.writer.closed()
        let segment = try #require(JournalSegment.list(in: live.directory.journal).first?.path)
        #expect(throws: EncryptionError.keysRequired(path: segment, keyID: 5)) { _ = try live.recovered(keys: .some(nil)) }
        #expect(throws: EncryptionError.keyMissing(path: segment, keyID: 5)) { _ = try live.recovered(keys: try TestKeys.keys([6])) }
        #expect(throws: EncryptionError.wrongKeyOrDamagedHeader(path: segment, keyID: 5)) {
            _ = try live.recovered(keys: try TestKeys.keys([5], seed: 1))
        }
        #expect(try JournalSegment.list(in: live.directory.journal).count == 1, "nothing was cut or removed")
        let message = "\(EncryptionError.wrongKeyOrDamagedHeader(path: segment, keyID: 5))"
        #expect(message.contains(segment) && message.contains("key 5"))
    }

    /// Rotation: after a new key is listed last, new segments and snapshots use it while the
    /// old ones stay readable with the old key; without the old key they are refused.
    @Test func rotatedKeysReadOldFilesAndWriteNewOnes() async throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        let directory = try DataDirectory(temporary.path)
        // Written under key 1.
        let old = try TestKeys.keys([1])
        do {
            let writer = try JournalWriter(directory: directory.journal, lastLSN: 0, encryption: old)
            let journal = EngineJournal(writer: writer, layouts: [])
            let engine = try InventoryEngine(configuration: JournaledEngine.configuration, changeLog: journal)
            try Self.defineCinema(journal: journal, engine: engine)
            _ = try engine.holdSeats([SeatIndex(5)], in: ShowID(rawValue: 0), for: .seconds(600), at: Timestamp(milliseconds: 10))
            try await writer.closed()
        }
        // Restarted with key 2 added after key 1.
        let rotated = try TestKeys.keys([1, 2])
        let (state, report) = try StateRecovery.recover(directory, configuration: JournaledEngine.configuration, keys: rotated)
        let writer = try JournalWriter(directory: directory.journal, lastLSN: report.lastLSN, encryption: rotated)
        let journal = EngineJournal(writer: writer, layouts: state.layouts)
        let engine = try InventoryEngine(configuration: JournaledEngine.configuration, changeLog: journal)
        try engine.load(state.image)
        _ = try engine.holdSeats([SeatIndex(6)], in: ShowID(rawValue: 0), for: .seconds(600), at: Timestamp(milliseconds: 20))
        try await writer.closed()

        let segments = try JournalSegment.list(in: directory.journal)
        #expect(segments.count == 2, "the restart began a new segment")
        #expect(try Self.keyID(of: segments[0].path) == 1 && Self.keyID(of: segments[1].path) == 2)
        let (again, againReport) = try StateRecovery.recover(directory, configuration: JournaledEngine.configuration, keys: rotated)
        #expect(again.image.liveReservations == 2)
        // Without key 1, the old segment is refused by name, not skipped.
        #expect(throws: EncryptionError.keyMissing(path: segments[0].path, keyID: 1)) {
            _ = try StateRecovery.recover(directory, configuration: JournaledEngine.configuration, keys: try TestKeys.keys([2]))
        }
        // A snapshot now is written under key 2, and read with it alone.
        let reopened = try JournalWriter(directory: directory.journal, lastLSN: againReport.lastLSN, encryption: rotated)
        let reopenedJournal = EngineJournal(writer: reopened, layouts: again.layouts)
        let reloaded = try InventoryEngine(configuration: JournaledEngine.configuration, changeLog: reopenedJournal)
        try reloaded.load(again.image)
        let snapshotter = Snapshotter(engine: reloaded, journal: reopenedJournal, directory: directory, encryption: rotated)
        let snapshot = try await OwnThread.run { try snapshotter.takeSnapshot() }
        try await reopened.closed()
        #expect(try Self.keyID(of: snapshot.path) == 2)
        #expect(try SnapshotFile.read(snapshot.path, keys: try TestKeys.keys([2])).0.image.liveReservations == 2)
    }

    /// The persister's tail reads encrypted segments as the writer appends and rotates them.
    @Test func aTailFollowsAnEncryptedJournal() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let keys = try TestKeys.keys([3])
        let writer = try JournalWriter(directory: directory.path, lastLSN: 0, segmentBytesMax: 3_000, encryption: keys)
        let total = 2_000
        let appender = Thread {
            // Waiting for durability now and then makes many frames and several segments.
            for index in 0..<total {
                let durable = DispatchSemaphore(value: 0)
                _ = try? writer.append(type: 1, bytes: testPayload(index)) { _ in durable.signal() }
                if index % 20 == 19 { durable.wait() }
            }
        }
        appender.start()
        var tail = try JournalTail(directory: directory.path, after: 0, keys: keys)
        let received = try await payloads(following: &tail, writer, total: total)
        try await writer.closed()
        #expect(received == (0..<total).map(testPayload))
        #expect(directory.segmentPaths.count > 1, "the writer rotated while the tail followed")
        #expect(throws: JournalError.encryption(.keysRequired(path: directory.segmentPaths[0], keyID: 3))) {
            _ = try JournalTail(directory: directory.path, after: 0)
        }
    }

    static func defineCinema(journal: EngineJournal, engine: InventoryEngine) throws {
        let json = Array(try JSONEncoder().encode(SampleVenues.cinema()))
        let layout = try DurableState.Layout(id: 0, json: json)
        journal.logLayoutDefined(layout)
        _ = try engine.createShow(layout: layout.layout, rules: ShowRules(forbidsSingleSeatGaps: false, seatsPerHoldMax: 8))
    }

    /// The key id in an encrypted segment's or snapshot's header: both put it at byte 12.
    static func keyID(of path: String) throws -> UInt32 {
        try JournalFiles.readAll(path).withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 12, as: UInt32.self)) }
    }

    /// Every regular file under `directory`.
    static func files(in directory: String) throws -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: directory)
        return (enumerator?.allObjects as? [String] ?? []).map { directory + "/" + $0 }.filter { path in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
        }
    }

    static func contains(_ bytes: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= bytes.count else { return false }
        return (0...(bytes.count - needle.count)).contains { bytes[$0..<$0 + needle.count].elementsEqual(needle) }
    }

    /// Offsets of an encrypted segment's frames, from their length fields.
    static func frameStarts(_ data: Data) throws -> [Int] {
        let bytes = [UInt8](data)
        var starts: [Int] = []
        var offset = EncryptedSegment.headerBytes
        while offset + 4 <= bytes.count {
            starts.append(offset)
            let length = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2]) << 16 | Int(bytes[offset + 3]) << 24
            offset += 4 + length
        }
        return starts
    }
}
