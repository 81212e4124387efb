import Foundation
import SeatInventory
import SeatTestSupport
import Testing
@testable import SeatJournal

/// Holds acknowledged in a journal tail that is later cut as damage (acknowledged before their
/// records were on disk, under `batch` or `none` durability) leave ids in clients' hands that
/// the recovered state knows nothing of. None of them may ever name another hold.
@Suite(.timeLimit(.minutes(2))) struct TornTailGenerationTests {
    static let show = ShowID(rawValue: 0)

    @Test func idsInACutTailAreUnknownAndNeverHandedOutAgain() async throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        let live = try JournaledEngine(in: temporary.path)
        var clock: UInt64 = 1_000
        func now() -> Timestamp {
            clock += 1
            return Timestamp(milliseconds: clock)
        }
        // Kept: 60 holds, half confirmed, half left held, so slots are live after recovery.
        var held: [HoldID] = []
        for pair in 0..<60 {
            let hold = try live.engine.holdSeats([SeatIndex(pair * 2), SeatIndex(pair * 2 + 1)], in: Self.show, for: .seconds(600), at: now())
            if pair % 2 == 0 { _ = try live.engine.confirm(hold.id, at: now()) } else { held.append(hold.id) }
        }
        let keptRecords = Int(live.journal.writer.appendedThrough)
        // Lost: the held ones released, then every slot cycled through twice, so lost ids sit
        // both on slots that end up vacant and on slots the recovered state still has held.
        for hold in held { try live.engine.release(hold, at: now()) }
        for _ in 0..<(2 * JournaledEngine.configuration.shardCount * JournaledEngine.configuration.reservationsPerShard) {
            let hold = try live.engine.holdSeats([SeatIndex(200), SeatIndex(201)], in: Self.show, for: .seconds(600), at: now())
            try live.engine.release(hold.id, at: now())
        }
        try await live.journal.writer.closed()

        let all = try recoveredRecords(in: live.directory.journal).records
        let lost = Set(
            try all[keptRecords...].compactMap { record -> HoldID? in
                guard case .held(let change, _, _, _) = try EngineRecord(record) else { return nil }
                return HoldID(change.reservation)
            })
        #expect(lost.count > 2 * JournaledEngine.configuration.reservationsPerShard)
        // The crash tore the first lost record: its first 5 bytes reached the disk.
        let path = try #require(JournalSegment.list(in: live.directory.journal).last?.path)
        let tornAt = try JournalTestOffsets.recordStarts(in: path)[keptRecords] + 5
        let torn = try Data(contentsOf: URL(fileURLWithPath: path)).prefix(tornAt)
        try torn.write(to: URL(fileURLWithPath: path))

        let (recovered, report) = try live.recovered()
        #expect(report.tornTail != nil && report.lastLSN == UInt64(keptRecords))
        let kept = try #require(report.snapshotBeforeCut, "a snapshot is stored before the tail is cut")
        let (snapshotState, snapshotHeader) = try SnapshotFile.read(kept)
        #expect(snapshotHeader.startLSN == UInt64(keptRecords))
        #expect(snapshotState.image.shards.allSatisfy { $0.allSatisfy(\.skipsGenerations) }, "the marks are in the snapshot")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).count == tornAt - 5, "the torn record is cut")
        #expect(recovered.invariantViolations().isEmpty)

        for hold in lost {
            #expect(throws: InventoryError.unknownHold(hold), "\(hold)") { try recovered.reservation(hold, at: now()) }
        }
        // Every slot reused several times: no lost id comes back, and no id is issued twice.
        var issued = Set<HoldID>()
        for _ in 0..<(4 * JournaledEngine.configuration.shardCount * JournaledEngine.configuration.reservationsPerShard) {
            let hold = try recovered.holdSeats([SeatIndex(200), SeatIndex(201)], in: Self.show, for: .seconds(600), at: now())
            let handedOutBefore = lost.contains(hold.id)
            #expect(!handedOutBefore, "\(hold.id) was handed out before the crash")
            #expect(issued.insert(hold.id).inserted)
            try recovered.release(hold.id, at: now())
        }
        #expect(recovered.invariantViolations().isEmpty)
    }

    /// A crash after the snapshot but before the cut: the next start finds the same tail, uses
    /// the snapshot, marks the slots again and cuts.
    @Test func aCrashBetweenTheSnapshotAndTheCutRepeatsBoth() async throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        let live = try JournaledEngine(in: temporary.path)
        var random = SeededGenerator(seed: 11)
        live.run(300, random: &random, from: 0)
        try await live.journal.writer.closed()
        let path = try #require(JournalSegment.list(in: live.directory.journal).last?.path)
        let whole = try Data(contentsOf: URL(fileURLWithPath: path))
        let garbage = Data([0x5a, 0x00, 0x00, 0x01, 0x07])
        try (whole + garbage).write(to: URL(fileURLWithPath: path))
        let (_, first) = try live.recovered()
        #expect(first.tornTail?.offset == whole.count)
        // The cut undone, as if the crash came first.
        try (whole + garbage).write(to: URL(fileURLWithPath: path))
        let (engine, second) = try live.recovered()
        #expect(second.snapshot?.path == first.snapshotBeforeCut)
        #expect(second.tornTail?.offset == whole.count && second.replayedRecords == 0)
        #expect(engine.image().shards.allSatisfy { $0.allSatisfy(\.skipsGenerations) })
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == whole)
    }
}
