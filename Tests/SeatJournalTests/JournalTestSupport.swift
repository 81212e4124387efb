import Foundation
import SeatTestSupport
import Testing
@testable import SeatJournal

extension TemporaryDirectory {
    var segmentPaths: [String] { (try? JournalSegment.list(in: path).map(\.path)) ?? [] }
}

/// Payload `index` of a test journal: recognisable, and of varying length.
func testPayload(_ index: Int) -> [UInt8] {
    Array("record \(index) ".utf8) + [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: index % 7)
}

/// Writes `count` records of ``testPayload(_:)`` (type = index % 5) and closes the journal.
/// Every tenth record waits until it is durable, so the writer gets batches of ten and can
/// rotate segments between them (it rotates only between batches). The waits happen on a
/// thread of their own.
func writeTestJournal(in directory: String, count: Int, segmentBytesMax: Int = 64 << 20) async throws {
    try await OwnThread.run { try writeTestJournalWaiting(in: directory, count: count, segmentBytesMax: segmentBytesMax) }
}

private func writeTestJournalWaiting(in directory: String, count: Int, segmentBytesMax: Int) throws {
    let writer = try JournalWriter(directory: directory, lastLSN: 0, segmentBytesMax: segmentBytesMax)
    let durable = DispatchSemaphore(value: 0)
    for index in 0..<count {
        let waits = index % 10 == 9
        var signal: (@Sendable (Result<Void, JournalError>) -> Void)?
        if waits { signal = { _ in durable.signal() } }
        try writer.append(type: UInt8(index % 5), bytes: testPayload(index), whenDurable: signal)
        if waits { durable.wait() }
    }
    writer.close()
}

/// Everything recovery hands back.
func recoveredRecords(in directory: String) throws -> (records: [JournalRecord], outcome: JournalRecovery.Outcome) {
    var records: [JournalRecord] = []
    let outcome = try JournalRecovery.replay(directory: directory) { records.append($0) }
    return (records, outcome)
}

enum JournalTestOffsets {
    /// Record start offsets in a segment, from walking its length fields (plus the end).
    static func recordStarts(in path: String) throws -> [Int] {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        var offsets = [JournalSegment.headerBytes]
        while offsets.last! < bytes.count {
            let start = offsets.last!
            let length = Int(bytes[start + 4]) | Int(bytes[start + 5]) << 8 | Int(bytes[start + 6]) << 16 | Int(bytes[start + 7]) << 24
            offsets.append(start + JournalRecord.headerBytes + length)
        }
        return offsets
    }
}

/// Flips every bit of the segment at `path` in turn and checks that recovery catches each flip:
/// in the header (`headerBytes`) the segment is refused; before the last unit (record or
/// frame, starting at `lastUnit`) recovery stops at or before the flip; in the last unit it is
/// cut as a torn tail, and only the `wholeUnits` payloads before it are replayed. Never is a
/// changed record replayed.
func expectEveryBitFlipCaught(
    directory: String, path: String, headerBytes: Int, lastUnit: Int, wholeUnits: Int, keys: EncryptionKeys? = nil
) throws {
    let original = try Data(contentsOf: URL(fileURLWithPath: path))
    for bit in 0..<(original.count * 8) {
        var flipped = original
        flipped[bit / 8] ^= 1 << UInt8(bit % 8)
        try flipped.write(to: URL(fileURLWithPath: path))
        let byte = bit / 8
        do {
            var records: [JournalRecord] = []
            let outcome = try JournalRecovery.replay(directory: directory, keys: keys) { records.append($0) }
            #expect(byte >= lastUnit, "byte \(byte): a flip before the last record was accepted")
            #expect(outcome.tornTail?.offset == lastUnit, "byte \(byte)")
            #expect(records.map(\.payload) == (0..<wholeUnits).map(testPayload), "byte \(byte)")
        } catch let error as EncryptionError {
            #expect(byte < headerBytes, "byte \(byte): \(error)")
        } catch let error as JournalError {
            switch error {
            case .notASegment: #expect(byte < headerBytes, "byte \(byte)")
            case .corrupt(_, let offset, _):
                #expect(byte >= headerBytes && byte < lastUnit, "byte \(byte)")
                #expect(offset <= byte, "byte \(byte): reported at \(offset)")
            default: Issue.record("byte \(byte): \(error)")
            }
        }
    }
}

/// The payloads a tail reads as `writer` appends, until `total` have come or 60 s have passed;
/// between reads that find nothing it sleeps, without holding a cooperative thread.
func payloads(following tail: inout JournalTail, _ writer: JournalWriter, total: Int) async throws -> [[UInt8]] {
    var received: [[UInt8]] = []
    let deadline = ContinuousClock.now + .seconds(60)
    while received.count < total, ContinuousClock.now < deadline {
        let read = try tail.read(through: writer.readableThrough, recordsMax: 500) { received.append($0.payload) }
        if read == 0 { try await Task.sleep(for: .microseconds(200)) }
    }
    return received
}
