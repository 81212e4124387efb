import Foundation
import SeatInventory
import SeatSamples
import SeatTestSupport
import Testing
@testable import SeatJournal

/// Whether `recovered` holds everything of `live` that must survive: every live slot exactly,
/// every ended one with its generation and phase, each show's flags and numbering. A slot the
/// live engine claimed and gave back unused (a refused hold) is never journaled: its id was
/// never handed out, so recovery may leave it at the generation before.
func sameState(_ live: InventoryEngine, _ recovered: InventoryEngine) -> Bool {
    let (a, b) = (live.image(), recovered.image())
    for (shard, slots) in a.shards.enumerated() {
        for (slot, kept) in slots.enumerated() {
            let found = b.shards[shard][slot]
            let matches =
                kept.phase == .vacant
                ? !found.isLive && found.generation <= kept.generation
                : kept.isLive ? found == kept : (found.generation, found.phase) == (kept.generation, kept.phase)
            if !matches {
                print("shard \(shard) slot \(slot): live \(kept), recovered \(found)")
                return false
            }
        }
    }
    return a.shows.map { [$0.isCancelled ? 1 : 0, $0.changeSequence] } == b.shows.map { [$0.isCancelled ? 1 : 0, $0.changeSequence] }
}

@Suite(.timeLimit(.minutes(3))) struct DurableStateTests {
    @Test(arguments: randomizedSeeds(fixed: 3))
    func journalAloneRebuildsTheEngine(seed: UInt64) async throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        var random = SeededGenerator(seed: seed)
        let live = try JournaledEngine(in: temporary.path)
        live.run(3000, random: &random, from: 0)
        try await live.journal.writer.closed()
        let (recovered, report) = try live.recovered()
        #expect(report.snapshot == nil)
        #expect(sameState(live.engine, recovered), "seed \(seed)")
        #expect(recovered.invariantViolations().isEmpty, "seed \(seed)")
    }

    @Test(arguments: randomizedSeeds(fixed: 3))
    func snapshotsPlusTheJournalRebuildTheEngineAndPruneWhatTheyCover(seed: UInt64) async throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        var random = SeededGenerator(seed: seed)
        let live = try JournaledEngine(in: temporary.path)
        let snapshotter = Snapshotter(engine: live.engine, journal: live.journal, directory: live.directory, keep: 2)
        var reports: [Snapshotter.Report] = []
        for round in 0..<3 {
            live.run(1000, random: &random, from: UInt64(round) * 10_000)
            reports.append(try await OwnThread.run { try snapshotter.takeSnapshot() })
        }
        live.run(1000, random: &random, from: 40_000)
        try await live.journal.writer.closed()
        #expect(try SnapshotFile.list(in: live.directory.snapshots).map(\.startLSN) == reports.suffix(2).map(\.startLSN))
        let (recovered, report) = try live.recovered()
        #expect(report.snapshot?.startLSN == reports.last?.startLSN)
        #expect(sameState(live.engine, recovered), "seed \(seed)")

        // The newest snapshot damaged: recovery falls back to the one before, with the journal after it.
        var damaged = try JournalFiles.readAll(reports[2].path)
        damaged[damaged.count / 2] ^= 0x10
        try Data(damaged).write(to: URL(fileURLWithPath: reports[2].path))
        let (fallback, fallbackReport) = try live.recovered()
        #expect(fallbackReport.snapshot?.startLSN == reports[1].startLSN)
        #expect(fallbackReport.unreadableSnapshots.map(\.path) == [reports[2].path])
        #expect(sameState(live.engine, fallback), "seed \(seed)")
    }

    @Test func aSnapshotIsReadableByTheLZ4Command() async throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        var random = SeededGenerator(seed: 7)
        let live = try JournaledEngine(in: temporary.path)
        live.run(200, random: &random, from: 0)
        let report = try await OwnThread.run { try Snapshotter(engine: live.engine, journal: live.journal, directory: live.directory).takeSnapshot() }
        try await live.journal.writer.closed()
        let output = temporary.path + "/decompressed"
        let lz4 = try ChildProcess(["/usr/bin/lz4", "-d", "-q", report.path, output], output: temporary.path + "/lz4.log")
        #expect(try await lz4.exitStatus(within: .seconds(60)) == 0)
        let (state, header) = try SnapshotFile.decode(Array(try Data(contentsOf: URL(fileURLWithPath: output))))
        #expect(header.startLSN == report.startLSN)
        #expect(state.image.shards == live.engine.image().shards)
    }

    /// Every single-bit flip of a small snapshot file is refused, never loaded as another state.
    @Test func everyFlippedBitOfASnapshotIsDetected() async throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        var random = SeededGenerator(seed: 11)
        let live = try JournaledEngine(in: temporary.path)
        live.run(100, random: &random, from: 0)
        let report = try await OwnThread.run { try Snapshotter(engine: live.engine, journal: live.journal, directory: live.directory).takeSnapshot() }
        try await live.journal.writer.closed()
        let file = try JournalFiles.readAll(report.path)
        var undetected: [Int] = []
        for bit in 0..<(file.count * 8) {
            var flipped = file
            flipped[bit / 8] ^= 1 << UInt8(bit % 8)
            if (try? SnapshotFile.decode(file: flipped)) != nil { undetected.append(bit) }
        }
        #expect(undetected.isEmpty, "\(undetected.count) of \(file.count * 8) flips loaded")
    }

    /// A closed journal refuses changes with a reason, and the refused operation changes nothing.
    @Test func changesAreRefusedOnceTheJournalTakesNoMore() async throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        let live = try JournaledEngine(in: temporary.path)
        let show = ShowID(rawValue: 0)
        try await live.journal.writer.closed()
        #expect(throws: InventoryError.changeLogUnavailable(JournalError.closed.description)) {
            try live.engine.holdSeats([SeatIndex(5)], in: show, for: .seconds(60), at: Timestamp(milliseconds: 0))
        }
        #expect(try live.engine.state(of: SeatIndex(5), in: show) == .free)
        #expect(throws: ShowCreationError.changeLogUnavailable(InventoryError.changeLogUnavailable(JournalError.closed.description).description)) {
            try live.engine.createShow(layout: live.journal.definedLayouts[0].layout)
        }
    }

    /// A saved state that claims a seat twice, or has another shape than the engine, is refused.
    @Test func loadingRefusesAStateTheEngineCouldNotHaveBeenIn() async throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        var random = SeededGenerator(seed: 5)
        let live = try JournaledEngine(in: temporary.path)
        live.run(300, random: &random, from: 0)
        try await live.journal.writer.closed()
        var image = live.engine.image()
        let held = try #require(image.shards[0].firstIndex { $0.isLive })
        let twin = try #require(image.shards[0].firstIndex { !$0.isLive })
        image.shards[0][twin] = image.shards[0][held]
        let engine = try InventoryEngine(configuration: JournaledEngine.configuration)
        #expect(throws: ImageError.self) { try engine.load(image) }

        let otherShape = try InventoryEngine(configuration: InventoryConfiguration(shardCount: 3, reservationsPerShard: 64))
        #expect(throws: ImageError.shapeMismatch(imageShards: 2, imageSlots: 64, configuredShards: 3, configuredSlots: 64)) {
            try otherShape.load(live.engine.image())
        }
    }

    /// The seat records the engine journals as it goes, encoded in place on the stack, read back
    /// as the records their enum encodes, for every number of seats a hold may take.
    @Test func seatRecordsJournaledInPlaceReadBackAsTheirRecords() async throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        let reservation = HoldID(rawValue: 3 << 22 | 5)!.reservation
        let journal = EngineJournal(writer: try JournalWriter(directory: temporary.path, lastLSN: 0), layouts: [])
        var expected: [EngineRecord] = []
        for count in 1...InventoryLimits.seatsPerHoldMax {
            let seats = (0..<UInt32(count)).map { $0 * 3 + 1 }
            let held = SeatChange(kind: .held, show: ShowID(rawValue: 2), sequence: UInt64(2 * count), reservation: reservation)
            let deadline = Timestamp(milliseconds: UInt64(1_000 + count))
            journal.logHold(held, seats: seats.span, deadline: deadline, lifetimeCap: Timestamp(milliseconds: 90_000))
            expected.append(.held(held, seats: seats, deadline: deadline, lifetimeCap: Timestamp(milliseconds: 90_000)))
            let confirmed = SeatChange(kind: .confirmed, show: ShowID(rawValue: 2), sequence: UInt64(2 * count + 1), reservation: reservation)
            journal.logConfirmation(confirmed, seats: seats.span)
            expected.append(.confirmed(confirmed, seats: seats))
        }
        let ended = SeatChange(kind: .released, show: ShowID(rawValue: 2), sequence: 200, reservation: reservation)
        journal.logEnding(ended)
        journal.logExtension(HoldID(reservation), deadline: Timestamp(milliseconds: 4_321))
        expected += [.ended(ended), .extended(HoldID(reservation), deadline: Timestamp(milliseconds: 4_321))]
        try await journal.writer.closed()
        let (records, _) = try recoveredRecords(in: temporary.path)
        #expect(try records.map(EngineRecord.init) == expected)
    }

    @Test func recordsRoundTrip() throws {
        let reservation = HoldID(rawValue: 3 << 22 | 5)!.reservation
        let records: [EngineRecord] = [
            .layoutDefined(id: 4, json: Array("{}".utf8)),
            .showCreated(
                ShowID(rawValue: 2), layout: 4,
                rules: ShowRules(
                    forbidsSingleSeatGaps: false, seatsPerHoldMax: 6, distancingMask: [SeatIndex(3)],
                    holdLifetimeMax: .milliseconds(90_000))),
            .showCancelled(ShowID(rawValue: 2)),
            .held(
                SeatChange(kind: .held, show: ShowID(rawValue: 2), sequence: 9, reservation: reservation), seats: [1, 2, 70],
                deadline: Timestamp(milliseconds: 1234), lifetimeCap: Timestamp(milliseconds: 5678)),
            .ended(SeatChange(kind: .cancelled, show: ShowID(rawValue: 2), sequence: 10, reservation: reservation)),
            .extended(HoldID(reservation), deadline: Timestamp(milliseconds: 4321)),
            .confirmed(SeatChange(kind: .confirmed, show: ShowID(rawValue: 2), sequence: 11, reservation: reservation), seats: [1, 2, 70]),
        ]
        for (index, record) in records.enumerated() {
            let (type, payload) = record.encoded
            #expect(try EngineRecord(JournalRecord(lsn: UInt64(index + 1), type: type, payload: payload)) == record)
            #expect(throws: PayloadDecodingError.self) {
                try EngineRecord(JournalRecord(lsn: 1, type: type, payload: payload + [0]))
            }
        }
        #expect(throws: PayloadDecodingError.self) { try EngineRecord(JournalRecord(lsn: 1, type: 99, payload: [])) }
        // A confirmation is its own record, with its seats; an ending that says "confirmed" is not.
        var ending = EngineRecord.ended(SeatChange(kind: .released, show: ShowID(rawValue: 2), sequence: 10, reservation: reservation)).encoded
        ending.payload[0] = SeatChange.Kind.confirmed.rawValue
        #expect(throws: PayloadDecodingError.self) { try EngineRecord(JournalRecord(lsn: 1, type: ending.type, payload: ending.payload)) }
    }
}
