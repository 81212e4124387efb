import Foundation
import Logging
import SeatJournal

/// Takes a snapshot on its own thread whenever `everyRecords` records were journaled since the
/// last one, or `interval` passed and anything was journaled at all.
final class SnapshotSchedule: @unchecked Sendable {
    private let snapshotter: Snapshotter
    private let everyRecords: UInt64
    private let interval: Duration
    private let logger: Logger
    private let condition = NSCondition()
    // Guarded by `condition`:
    private var isStopping = false
    private var isStopped = false

    init(snapshotter: Snapshotter, everyRecords: UInt64, interval: Duration, logger: Logger) {
        self.snapshotter = snapshotter
        self.everyRecords = everyRecords
        self.interval = interval
        self.logger = logger
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "snapshots"
        thread.start()
    }

    /// Stops the thread, after the snapshot in progress if any.
    func stop() {
        condition.lock()
        isStopping = true
        condition.broadcast()
        while !isStopped { condition.wait() }
        condition.unlock()
    }

    private func run() {
        var lastLSN = snapshotter.journal.writer.appendedThrough
        var lastTime = ContinuousClock.now
        while waitForNextCheck() {
            let appended = snapshotter.journal.writer.appendedThrough
            let due = appended - lastLSN >= everyRecords || (appended > lastLSN && ContinuousClock.now - lastTime >= interval)
            guard due else { continue }
            do {
                let report = try snapshotter.takeSnapshot()
                lastLSN = report.endLSN
                lastTime = .now
                logger.info(
                    "snapshot written",
                    metadata: [
                        "path": "\(report.path)", "startLSN": "\(report.startLSN)", "endLSN": "\(report.endLSN)",
                        "bytes": "\(report.uncompressedBytes)", "compressedBytes": "\(report.compressedBytes)",
                        "captureTime": "\(report.captureTime)", "encodeTime": "\(report.encodeTime)",
                        "compressTime": "\(report.compressTime)", "storeTime": "\(report.storeTime)",
                        "deletedSegments": "\(report.deletedSegments)",
                    ])
            } catch {
                // The journal still holds everything: the next check tries again.
                logger.error("snapshot failed", metadata: ["error": "\(error)"])
                lastTime = .now
            }
        }
        condition.lock()
        isStopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// Sleeps a second or until stopped; false once stopping.
    private func waitForNextCheck() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if !isStopping { _ = condition.wait(until: Date(timeIntervalSinceNow: 1)) }
        return !isStopping
    }
}
