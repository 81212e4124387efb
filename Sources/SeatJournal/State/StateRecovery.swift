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

/// Rebuilds the durable state at start-up: the journal replayed onto an empty state.
public enum StateRecovery {
    public struct Report: Sendable {
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
        let outcome = try JournalRecovery.replay(directory: directory.journal) { record in
            do {
                try state.apply(try EngineRecord(record), strict: true)
            } catch {
                throw RecoveryError(lsn: record.lsn, reason: "\(error)")
            }
        }
        let report = Report(
            replayedRecords: outcome.replayedRecords, lastLSN: outcome.lastLSN, segments: outcome.segments,
            tornTail: outcome.tornTail, duration: ContinuousClock.now - started)
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
