import Foundation
import SeatTestSupport
import Testing
@testable import SeatJournal

@Suite(.timeLimit(.minutes(2))) struct JournalTailTests {
    @Test func aTailStartsAfterAnyLSNAndCrossesSegments() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try await writeTestJournal(in: directory.path, count: 300, segmentBytesMax: 1_500)
        #expect(directory.segmentPaths.count > 3, "rotation produced several segments")
        for start: UInt64 in [0, 1, 9, 10, 11, 150, 299, 300] {
            var tail = try JournalTail(directory: directory.path, after: start)
            var lsns: [UInt64] = []
            var payloads: [[UInt8]] = []
            let count = try tail.read(through: 300, recordsMax: 1_000) {
                lsns.append($0.lsn)
                payloads.append($0.payload)
            }
            #expect(count == Int(300 - start))
            #expect(lsns == Array((start + 1)..<301), "after \(start)")
            #expect(payloads == (Int(start)..<300).map(testPayload), "after \(start)")
        }
    }

    @Test func aTailStopsAtItsLimitAndItsCount() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try await writeTestJournal(in: directory.path, count: 100, segmentBytesMax: 1_500)
        var tail = try JournalTail(directory: directory.path, after: 0)
        #expect(try tail.read(through: 40, recordsMax: 25) { _ in } == 25)
        #expect(try tail.read(through: 40, recordsMax: 25) { _ in } == 15)
        #expect(try tail.read(through: 40, recordsMax: 25) { _ in } == 0)
        #expect(tail.nextLSN == 41)
    }

    /// The persister's situation: a tail reads up to `readableThrough` while a writer appends
    /// and rotates; every record arrives once, in order, whole.
    @Test func aTailFollowsAWriterAsItAppends() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let writer = try JournalWriter(directory: directory.path, lastLSN: 0, segmentBytesMax: 4_000)
        let total = 3_000
        let appender = Thread {
            for index in 0..<total {
                _ = try? writer.append(type: 1, bytes: testPayload(index))
                if index % 97 == 0 { usleep(200) }
            }
        }
        appender.start()
        var tail = try JournalTail(directory: directory.path, after: 0)
        let received = try await payloads(following: &tail, writer, total: total)
        try await writer.closed()
        #expect(received.count == total)
        #expect(received == (0..<total).map(testPayload))
        #expect(directory.segmentPaths.count > 3, "the writer rotated while the tail followed")
    }

    @Test func aTailRefusesAStartTheJournalNoLongerHolds() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try await writeTestJournal(in: directory.path, count: 100, segmentBytesMax: 1_500)
        let segments = directory.segmentPaths
        try FileManager.default.removeItem(atPath: segments[0])
        #expect(throws: JournalError.self) { _ = try JournalTail(directory: directory.path, after: 0) }
    }

    @Test func aTailReportsDamageWithItsPlace() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try await writeTestJournal(in: directory.path, count: 50)
        let path = directory.segmentPaths[0]
        var bytes = try JournalFiles.readAll(path)
        bytes[JournalSegment.headerBytes + 200] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        var tail = try JournalTail(directory: directory.path, after: 0)
        #expect {
            _ = try tail.read(through: 50, recordsMax: 100) { _ in }
        } throws: { error in
            guard case .corrupt(let damaged, _, _) = error as? JournalError else { return false }
            return damaged == path
        }
    }
}
