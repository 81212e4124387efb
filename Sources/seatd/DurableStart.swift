import Logging
import SeatInventory
import SeatJournal
import SeatPostgres
import SeatProtocol
import SeatServer

/// Brings the server's state back from its data directory: replays the journal, loads the
/// engine and catalog, expires holds whose deadline passed while the server was down, checks
/// the engine's invariants, and opens the journal for new changes.
struct DurableStart {
    /// Opened, and so locked, by the caller, which keeps it for the life of the process.
    let directory: DataDirectory
    let durability: JournalDurability
    let configuration: InventoryConfiguration
    /// The API keys given at start (flags, environment); stored keys come from the journal.
    let bootstrapKeys: APIKeyring
    /// The keys the journal and snapshots are encrypted with, when they are.
    let encryption: EncryptionKeys?
    /// Where the persister writes, when the server persists to PostgreSQL.
    let postgres: Persister.Configuration?
    /// Told what the journal writes and how long its syncs take.
    let journalObserver: (any JournalObserver)?
    let logger: Logger

    /// The service, its snapshotter, and the persister (started) when there is one.
    func service(
        feeds: ShowFeeds, statistics: ServerStatistics, snapshotsKept: Int
    ) throws -> (SeatService, Snapshotter, Persister?) {
        let (state, report) = try StateRecovery.recover(directory, configuration: configuration, keys: encryption)
        for unreadable in report.unreadableSnapshots {
            logger.warning("skipped an unreadable snapshot", metadata: ["file": "\(unreadable.path)", "reason": "\(unreadable.reason)"])
        }
        if let torn = report.tornTail {
            logger.warning(
                "cut a torn journal tail; every reservation slot skips generations at its next use, so no id handed out in the lost records is handed out again",
                metadata: [
                    "file": "\(torn.path)", "offset": "\(torn.offset)", "bytes": "\(torn.discardedBytes)",
                    "reason": "\(torn.reason)", "snapshot": "\(report.snapshotBeforeCut ?? "")",
                ])
        }
        let writer = try JournalWriter(
            directory: directory.journal, lastLSN: report.lastLSN, durability: durability, encryption: encryption,
            observer: journalObserver)
        let journal = EngineJournal(writer: writer, layouts: state.layouts, apiKeys: state.apiKeys)
        let engine = try InventoryEngine(configuration: configuration, observer: feeds, changeLog: journal)
        let loadStarted = ContinuousClock.now
        try engine.load(state.image)
        let loadTime = ContinuousClock.now - loadStarted
        let clock = ServerClock()
        // Journaled like any expiry, so the next recovery need not repeat it.
        let expired = engine.expireHolds(at: clock.now)
        let checkStarted = ContinuousClock.now
        let violations = engine.invariantViolations()
        let checkTime = ContinuousClock.now - checkStarted
        guard violations.isEmpty else {
            throw StartError(description: "the recovered state breaks \(violations.count) invariants, first: \(violations[0])")
        }
        logger.info(
            "recovered",
            metadata: [
                "dataDirectory": "\(directory.path)", "durability": "\(durability)",
                "encryption": "\(encryption.map { "AES-256-GCM, new files under key \($0.currentID)" } ?? "off")",
                "snapshot": "\(report.snapshot.map { "\($0.path) at LSN \($0.startLSN)" } ?? "none")",
                "records": "\(report.replayedRecords)", "journalBytesSkipped": "\(report.bytesSkipped)",
                "lastLSN": "\(report.lastLSN)", "segments": "\(report.segments)", "layouts": "\(state.layouts.count)",
                "shows": "\(state.image.shows.count)", "reservations": "\(state.image.liveReservations)",
                "expiredWhileDown": "\(expired)", "replayTime": "\(report.duration)",
                "loadTime": "\(loadTime)", "checkTime": "\(checkTime)",
            ])
        let persister = postgres.map {
            Persister(configuration: $0, writer: writer, journalDirectory: directory.journal, logger: logger)
        }
        persister?.start()
        let snapshotter = Snapshotter(
            engine: engine, journal: journal, directory: directory, keep: snapshotsKept, follower: persister,
            encryption: encryption)
        let service = SeatService(
            engine: engine, catalog: VenueCatalog(recovered: state), clock: clock, statistics: statistics,
            journal: journal, snapshotter: snapshotter,
            apiKeys: APIKeyStore(bootstrap: bootstrapKeys, journal: journal, recovered: state.apiKeys))
        return (service, snapshotter, persister)
    }

    struct StartError: Error, CustomStringConvertible {
        let description: String
    }
}
