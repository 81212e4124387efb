import Foundation
import SeatInventory

/// Rebuilds the durable state at start-up: the newest snapshot that reads back whole (falling
/// back to older ones), then the journal after it.
///
/// A torn journal tail may have held records whose answers left (under `batch` or `none`
/// durability, or with a disk that lied about a sync), and so hold ids that clients keep. Before
/// the tail is cut, every reservation slot is marked to skip generations at its next claim
/// (``InventoryImage/skipGenerationsOfEverySlot()``) and a snapshot of that state is stored at
/// the last valid record: from then on no recovery can hand out one of those ids again, and a
/// crash between the snapshot and the cut only repeats both.
public enum StateRecovery {
    public struct Report: Sendable {
        /// The snapshot used, and its start LSN; nil when recovery began from nothing.
        public let snapshot: (path: String, startLSN: UInt64)?
        /// Newer snapshots that failed to read, with why: each is logged, none is deleted.
        public let unreadableSnapshots: [(path: String, reason: String)]
        public let replayedRecords: Int
        /// Journal bytes the snapshot covered, passed over without being read or checked.
        public let bytesSkipped: Int
        public let lastLSN: UInt64
        public let segments: Int
        public let tornTail: JournalRecovery.TornTail?
        /// The snapshot stored before a torn tail was cut, with every slot skipping generations.
        public let snapshotBeforeCut: String?
        public let duration: Duration
    }

    public static func recover(
        _ directory: DataDirectory,
        configuration: InventoryConfiguration,
        keys: EncryptionKeys? = nil
    ) throws -> (DurableState, Report) {
        let started = ContinuousClock.now
        var state = DurableState(configuration: configuration)
        var header = SnapshotFile.Header(startLSN: 0, endLSN: 0)
        var used: (path: String, startLSN: UInt64)?
        var unreadable: [(path: String, reason: String)] = []
        for snapshot in try SnapshotFile.list(in: directory.snapshots).reversed() {
            do {
                (state, header) = try SnapshotFile.read(snapshot.path, keys: keys)
                state.idempotencyKeysMax = configuration.idempotencyKeysMax
                used = (snapshot.path, header.startLSN)
                break
            } catch let error as EncryptionError where error != .authenticationFailed {
                // A key that is missing will not be found in an older snapshot either.
                throw error
            } catch {
                unreadable.append((snapshot.path, "\(error)"))
            }
        }
        let outcome = try JournalRecovery.replay(directory: directory.journal, startingAfter: header.startLSN, keys: keys) { record in
            do {
                try state.apply(try EngineRecord(record), strict: record.lsn > header.endLSN)
            } catch {
                throw RecoveryError(lsn: record.lsn, reason: "\(error)")
            }
        }
        var snapshotBeforeCut: String?
        if let tornTail = outcome.tornTail {
            state.image.skipGenerationsOfEverySlot()
            let header = SnapshotFile.Header(startLSN: outcome.lastLSN, endLSN: outcome.lastLSN)
            snapshotBeforeCut = try SnapshotFile.store(
                try SnapshotFile.seal(SnapshotFile.encode(state, header: header), encryption: keys), header: header,
                in: directory.snapshots)
            try tornTail.cut()
        }
        let report = Report(
            snapshot: used, unreadableSnapshots: unreadable, replayedRecords: outcome.replayedRecords,
            bytesSkipped: outcome.bytesSkipped,
            lastLSN: outcome.lastLSN, segments: outcome.segments, tornTail: outcome.tornTail,
            snapshotBeforeCut: snapshotBeforeCut, duration: ContinuousClock.now - started)
        return (state, report)
    }
}

/// A record that checksums correctly yet cannot be applied: the journal is not one this
/// server wrote, or a bug wrote it. Recovery stops rather than guess.
public struct RecoveryError: Error, Hashable, Sendable, CustomStringConvertible {
    public let lsn: UInt64
    public let reason: String

    public var description: String { "journal record \(lsn): \(reason)" }
}
