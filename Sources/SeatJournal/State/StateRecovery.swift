import Foundation
import SeatInventory

/// Where a server keeps its durable state: `journal/` for the segments, `snapshots/` for the
/// snapshots, created on first use.
public struct DataDirectory: Sendable {
    public let path: String
    public var journal: String { path + "/journal" }
    public var snapshots: String { path + "/snapshots" }

    public init(_ path: String) throws(JournalError) {
        self.path = path
        for directory in [path, path + "/journal", path + "/snapshots"] {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw .io(operation: "mkdir", path: directory, errno: Int32((error as NSError).code))
            }
        }
    }
}

/// Rebuilds the durable state at start-up: the newest snapshot that reads back whole (falling
/// back to older ones), then the journal after it.
public enum StateRecovery {
    public struct Report: Sendable {
        /// The snapshot used, and its start LSN; nil when recovery began from nothing.
        public let snapshot: (path: String, startLSN: UInt64)?
        /// Newer snapshots that failed to read, with why: each is logged, none is deleted.
        public let unreadableSnapshots: [(path: String, reason: String)]
        public let replayedRecords: Int
        public let lastLSN: UInt64
        public let segments: Int
        public let tornTail: JournalRecovery.TornTail?
        public let duration: Duration
    }

    public static func recover(
        _ directory: DataDirectory,
        configuration: InventoryConfiguration
    ) throws -> (DurableState, Report) {
        let started = ContinuousClock.now
        var state = DurableState(configuration: configuration)
        var header = SnapshotFile.Header(startLSN: 0, endLSN: 0)
        var used: (path: String, startLSN: UInt64)?
        var unreadable: [(path: String, reason: String)] = []
        for snapshot in try SnapshotFile.list(in: directory.snapshots).reversed() {
            do {
                (state, header) = try SnapshotFile.read(snapshot.path)
                used = (snapshot.path, header.startLSN)
                break
            } catch {
                unreadable.append((snapshot.path, "\(error)"))
            }
        }
        let outcome = try JournalRecovery.replay(directory: directory.journal, startingAfter: header.startLSN) { record in
            do {
                try state.apply(try EngineRecord(record), strict: record.lsn > header.endLSN)
            } catch {
                throw RecoveryError(lsn: record.lsn, reason: "\(error)")
            }
        }
        let report = Report(
            snapshot: used, unreadableSnapshots: unreadable, replayedRecords: outcome.replayedRecords,
            lastLSN: outcome.lastLSN, segments: outcome.segments, tornTail: outcome.tornTail,
            duration: ContinuousClock.now - started)
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
