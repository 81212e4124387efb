import Foundation
import SeatInventory
import Synchronization

/// Takes snapshots of a running engine and prunes what they make redundant: snapshots beyond
/// the newest ``keep``, and journal segments that every kept snapshot covers.
///
/// Capturing takes no lock and stops no operation (see ``InventoryEngine/image()``); the file is
/// written only once the journal is durable through the last record the capture may reflect, so
/// a snapshot never holds a change a crash could still take back from the journal. One snapshot
/// at a time: a second caller (the schedule, an admin's request) waits for the first.
public final class Snapshotter: Sendable {
    public struct Report: Sendable {
        public let path: String
        public let startLSN: UInt64
        public let endLSN: UInt64
        public let uncompressedBytes: Int
        public let compressedBytes: Int
        /// Capturing the engine's state, while operations went on.
        public let captureTime: Duration
        /// Turning the captured state into the snapshot's bytes.
        public let encodeTime: Duration
        /// LZ4 and the file's checksum: what `lz4 -b1` measures of the same bytes.
        public let compressTime: Duration
        /// Writing, syncing and renaming the file, and syncing its directory.
        public let storeTime: Duration
        public let deletedSegments: Int
    }

    public let engine: InventoryEngine
    public let journal: EngineJournal
    public let directory: DataDirectory
    /// Snapshots kept; older ones, and the segments only they needed, are deleted.
    public let keep: Int
    /// A reader that must be done with a segment before it is deleted, besides the snapshots.
    public let follower: (any JournalFollower)?
    /// Failures tests inject into the snapshot's file operations; nil in production.
    private let faults: StorageFaults?
    /// When set, snapshots are encrypted under its current key.
    private let encryption: EncryptionKeys?
    private let oneAtATime = Mutex(())

    public init(
        engine: InventoryEngine, journal: EngineJournal, directory: DataDirectory, keep: Int = 2,
        follower: (any JournalFollower)? = nil, encryption: EncryptionKeys? = nil, faults: StorageFaults? = nil
    ) {
        self.faults = faults
        self.encryption = encryption
        precondition(keep >= 1, "keep at least one snapshot")
        self.engine = engine
        self.journal = journal
        self.directory = directory
        self.keep = keep
        self.follower = follower
    }

    /// What snapshots have done since start, for metrics.
    public struct History: Sendable {
        public var taken = 0
        public var failed = 0
        /// The last snapshot written, and when (Unix time).
        public var lastTaken: (report: Report, atUnixSeconds: Double)?
    }

    private let recorded = Mutex(History())

    public var history: History { recorded.withLock { $0 } }

    /// Captures, writes and prunes; blocks the calling thread, never an event loop's.
    public func takeSnapshot() throws -> Report {
        try oneAtATime.withLock { _ in
            do {
                let report = try snapshot()
                recorded.withLock { history in
                    history.taken += 1
                    history.lastTaken = (report, Date().timeIntervalSince1970)
                }
                return report
            } catch {
                recorded.withLock { $0.failed += 1 }
                throw error
            }
        }
    }

    private func snapshot() throws -> Report {
        let writer = journal.writer
        let captureStarted = ContinuousClock.now
        let startLSN = writer.appendedThrough
        let layouts = journal.definedLayouts
        let apiKeys = journal.apiKeys
        let image = engine.image()
        let endLSN = writer.appendedThrough
        let captureTime = ContinuousClock.now - captureStarted
        let showLayouts = try image.shows.map { show in
            guard let id = journal.layoutID(of: show.layout) else {
                throw RecoveryError(lsn: endLSN, reason: "a show's layout was never journaled")
            }
            return id
        }
        try waitUntilDurable(through: endLSN)
        let clock = ContinuousClock()
        let header = SnapshotFile.Header(startLSN: startLSN, endLSN: endLSN)
        var uncompressed: [UInt8] = []
        let encodeTime = clock.measure {
            uncompressed = SnapshotFile.encode(DurableState(layouts: layouts, showLayouts: showLayouts, image: image, apiKeys: apiKeys), header: header)
        }
        var sealed: [UInt8] = []
        let compressTime = try clock.measure { sealed = try SnapshotFile.seal(uncompressed, encryption: encryption) }
        var path = ""
        let storeTime = try clock.measure { path = try SnapshotFile.store(sealed, header: header, in: directory.snapshots, faults: faults) }
        return Report(
            path: path, startLSN: startLSN, endLSN: endLSN, uncompressedBytes: uncompressed.count,
            compressedBytes: sealed.count, captureTime: captureTime, encodeTime: encodeTime, compressTime: compressTime,
            storeTime: storeTime, deletedSegments: try prune())
    }

    /// Deletes snapshots beyond the newest `keep`, then the segments whose every record the
    /// oldest kept snapshot covers and the follower is done with (never the segment being written).
    func prune() throws -> Int {
        let snapshots = try SnapshotFile.list(in: directory.snapshots)
        for old in snapshots.dropLast(keep) {
            guard unlink(old.path) == 0 else { throw JournalError.io(operation: "unlink", path: old.path, errno: errno) }
        }
        guard let oldestKept = snapshots.suffix(keep).first else { return 0 }
        let deletableThrough = min(oldestKept.startLSN, follower?.followedThrough ?? .max)
        let segments = try JournalSegment.list(in: directory.journal)
        var deleted = 0
        for (index, segment) in segments.enumerated() where JournalSegment.endsBy(segments, index, through: deletableThrough) {
            guard unlink(segment.path) == 0 else { throw JournalError.io(operation: "unlink", path: segment.path, errno: errno) }
            deleted += 1
        }
        if deleted > 0 { try JournalFiles.syncDirectory(directory.journal) }
        return deleted
    }

    private func waitUntilDurable(through lsn: UInt64) throws {
        let done = DispatchSemaphore(value: 0)
        let outcome = Outcome()
        journal.writer.whenDurable(through: lsn) { result in
            outcome.set(result)
            done.signal()
        }
        done.wait()
        try outcome.get()
    }

    private final class Outcome: @unchecked Sendable {
        private let lock = NSLock()
        private var result: Result<Void, JournalError> = .success(())

        func set(_ result: Result<Void, JournalError>) { lock.withLock { self.result = result } }
        func get() throws { try lock.withLock { result }.get() }
    }
}
