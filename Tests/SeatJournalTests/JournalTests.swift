import Foundation
import SeatTestSupport
import Testing
@testable import SeatJournal

@Suite(.timeLimit(.minutes(3))) struct JournalTests {
    @Test func crc32cMatchesTheStandardCheckValue() {
        #expect(CRC32C.checksum("123456789".utf8) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
        // The sliced and the byte-at-a-time paths agree at every length and alignment.
        let bytes = (0..<100).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        for start in 0..<9 {
            let whole = CRC32C.checksum(bytes[start...])
            let split = bytes[start...].withUnsafeBytes { all in
                CRC32C.checksum(
                    UnsafeRawBufferPointer(rebasing: all[13...]),
                    continuing: CRC32C.checksum(UnsafeRawBufferPointer(rebasing: all[..<13])))
            }
            #expect(whole == split)
        }
    }

    @Test func theProcessorsChecksumAgreesWithTheTables() {
        #expect(CRC32C.hasHardware, "x86-64 build machines have SSE4.2; without it only the tables are tested")
        let bytes = (0..<4_099).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }
        bytes.withUnsafeBytes { all in
            for (start, end) in [(0, 0), (0, 1), (3, 4_099), (1, 17), (8, 4_096), (5, 1_029)] {
                let slice = UnsafeRawBufferPointer(rebasing: all[start..<end])
                #expect(CRC32C.checksum(slice) == CRC32C.softwareChecksum(slice), "bytes \(start)..<\(end)")
                #expect(
                    CRC32C.checksum(slice, continuing: 0x1234_5678) == CRC32C.softwareChecksum(slice, continuing: 0x1234_5678))
            }
        }
    }

    @Test func recordsComeBackInOrderAcrossSegments() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try await writeTestJournal(in: directory.path, count: 500, segmentBytesMax: 2_000)
        #expect(directory.segmentPaths.count > 3, "rotation produced several segments")
        let (records, outcome) = try recoveredRecords(in: directory.path)
        #expect(records.map(\.lsn) == Array(1...500))
        #expect(records.map(\.payload) == (0..<500).map(testPayload))
        #expect(records.map(\.type) == (0..<500).map { UInt8($0 % 5) })
        #expect(outcome.lastLSN == 500 && outcome.tornTail == nil)
    }

    @Test func aReopenedJournalContinuesItsLSNs() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try await writeTestJournal(in: directory.path, count: 10)
        let first = try recoveredRecords(in: directory.path).outcome
        let writer = try JournalWriter(directory: directory.path, lastLSN: first.lastLSN)
        let lsn = try writer.append(type: 9, bytes: [1])
        try await writer.closed()
        #expect(lsn == 11)
        #expect(try recoveredRecords(in: directory.path).records.map(\.lsn) == Array(1...11))
    }

    /// Eight threads append at once, each waiting for durability through callbacks: every
    /// callback succeeds, LSNs have no gap, and each thread's records keep its order.
    @Test(arguments: [JournalDurability.fsync, .batch(interval: .milliseconds(5)), .none])
    func concurrentAppendsAreAllDurableAndOrdered(durability: JournalDurability) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let writer = try JournalWriter(directory: directory.path, lastLSN: 0, durability: durability)
        let acknowledged = Counter()
        await runOnThreads(8) { thread in
            for index in 0..<500 {
                let payload = [UInt8(thread)] + withUnsafeBytes(of: UInt32(index).littleEndian, Array.init)
                _ = try? writer.append(type: 1, bytes: payload) { result in
                    if case .success = result { acknowledged.increment() }
                }
            }
        }
        try await writer.closed()
        #expect(acknowledged.value == 4_000)
        #expect(writer.durableThrough == 4_000)
        let records = try recoveredRecords(in: directory.path).records
        #expect(records.map(\.lsn) == Array(1...4_000))
        for thread in 0..<8 {
            let indices = records.filter { $0.payload[0] == UInt8(thread) }.map { record in
                record.payload[1...].withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) }
            }
            #expect(indices == (0..<500).map(UInt32.init), "thread \(thread)")
        }
    }

    /// The journal cut at every byte inside its last three records, as a crash mid-write
    /// leaves it: recovery replays every whole record before the cut and reports the torn rest
    /// where it starts, without changing the file; cutting it leaves the whole records, and a
    /// reopened journal appends after them.
    @Test func aTornTailIsCutAtEveryOffset() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try await writeTestJournal(in: directory.path, count: 20)
        let path = try #require(directory.segmentPaths.last)
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        let recordStarts = try recordOffsets(in: path)
        for cut in recordStarts[17]..<original.count {
            try original.prefix(cut).write(to: URL(fileURLWithPath: path))
            let wholeRecords = recordStarts.filter { $0 + 1 <= cut }.count - (recordStarts.contains(cut) ? 0 : 1)
            let (records, outcome) = try recoveredRecords(in: directory.path)
            #expect(records.count == wholeRecords, "cut at \(cut)")
            #expect(records.map(\.payload) == (0..<wholeRecords).map(testPayload), "cut at \(cut)")
            #expect((outcome.tornTail != nil) == !recordStarts.contains(cut), "cut at \(cut)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)).count == cut, "cut at \(cut): replay changed the file")
            if let torn = outcome.tornTail {
                #expect(torn.offset == recordStarts[wholeRecords] && torn.discardedBytes == cut - torn.offset, "cut at \(cut)")
                try torn.cut()
            }
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)).count == recordStarts[wholeRecords], "cut at \(cut)")
        }
        let lastLSN = try recoveredRecords(in: directory.path).outcome.lastLSN
        #expect(lastLSN == 19)
        let writer = try JournalWriter(directory: directory.path, lastLSN: lastLSN)
        try writer.append(type: 2, bytes: [7])
        try await writer.closed()
        #expect(try recoveredRecords(in: directory.path).records.map(\.lsn) == Array(1...20))
    }

    /// Every single-bit flip of a small journal is caught: in the header, the segment is
    /// refused; in a record followed by valid ones, recovery stops naming the offset; in the
    /// last record, it is cut as a torn tail. Never is a changed record replayed.
    @Test func everyBitFlipIsDetected() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try await writeTestJournal(in: directory.path, count: 6)
        let path = try #require(directory.segmentPaths.last)
        let starts = try recordOffsets(in: path)
        try expectEveryBitFlipCaught(
            directory: directory.path, path: path, headerBytes: JournalSegment.headerBytes, lastUnit: starts[5], wholeUnits: 5)
    }

    /// Records a snapshot covers are not needed, so recovery neither reads the segments they
    /// fill nor checks them where the snapshot ends: damage there does not stop it, while
    /// damage in a record after the snapshot still does.
    @Test func recordsASnapshotCoversAreSkippedUncheckedAndTheRestChecked() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try await writeTestJournal(in: directory.path, count: 300, segmentBytesMax: 2_000)
        let segments = try JournalSegment.list(in: directory.path)
        #expect(segments.count > 4)
        // The snapshot ends inside the third segment, three records in.
        let snapshotLSN = segments[2].firstLSN + 2
        let thirdStarts = try JournalTestOffsets.recordStarts(in: segments[2].path)
        // Payload bytes of covered records flipped: one in the first segment, one in the third.
        for (path, offset) in [(segments[0].path, JournalSegment.headerBytes + JournalRecord.headerBytes + 1),
                               (segments[2].path, thirdStarts[1] + JournalRecord.headerBytes + 1)] {
            var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            bytes[offset] ^= 0x20
            try bytes.write(to: URL(fileURLWithPath: path))
        }
        var lsns: [UInt64] = []
        let outcome = try JournalRecovery.replay(directory: directory.path, startingAfter: snapshotLSN) { lsns.append($0.lsn) }
        #expect(lsns == Array(snapshotLSN + 1...300))
        #expect(outcome.lastLSN == 300 && outcome.tornTail == nil)
        #expect(outcome.bytesSkipped >= thirdStarts[3] - JournalSegment.headerBytes)
        #expect(throws: JournalError.self, "without the snapshot the damage is found") {
            try JournalRecovery.replay(directory: directory.path) { _ in }
        }

        // A record after the snapshot, in the same segment, damaged: recovery stops there.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: segments[2].path))
        bytes[thirdStarts[4] + JournalRecord.headerBytes] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: segments[2].path))
        #expect {
            try JournalRecovery.replay(directory: directory.path, startingAfter: snapshotLSN) { _ in }
        } throws: { error in
            guard case .corrupt(let path, let offset, _) = error as? JournalError else { return false }
            return path == segments[2].path && offset == thirdStarts[4]
        }
    }

    @Test func aMissingSegmentStopsRecovery() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try await writeTestJournal(in: directory.path, count: 300, segmentBytesMax: 1_000)
        let segments = directory.segmentPaths
        try FileManager.default.removeItem(atPath: segments[1])
        #expect(throws: JournalError.self) { try recoveredRecords(in: directory.path) }
    }

    func recordOffsets(in path: String) throws -> [Int] { try JournalTestOffsets.recordStarts(in: path) }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}

@Suite(.timeLimit(.minutes(3))) struct JournalLimitTests {
    @Test func aRecordOverTheLimitIsRefusedAndTheJournalGoesOn() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let writer = try JournalWriter(directory: directory.path, lastLSN: 0)
        let tooLarge = [UInt8](repeating: 1, count: JournalRecord.payloadBytesMax + 1)
        #expect(throws: JournalError.recordTooLarge(bytes: tooLarge.count)) { try writer.append(type: 1, bytes: tooLarge) }
        #expect(try writer.append(type: 1, bytes: [2]) == 1)
        try await writer.closed()
        #expect(throws: JournalError.closed) { try writer.append(type: 1, bytes: [3]) }
        #expect(try recoveredRecords(in: directory.path).records.map(\.payload) == [[2]])
    }
}
