import Foundation
import Logging
import SeatJournal
import Synchronization

/// Writes the journal into PostgreSQL behind the server's back: it tails the segment files from
/// the LSN PostgreSQL has, turns each run of records into one transaction of rows (COPY), and
/// moves the stored LSN in that same transaction, so every record's rows land exactly once,
/// whatever crashes in between.
///
/// It runs on a thread of its own, because libpq blocks. When PostgreSQL is down it retries with
/// a capped backoff while the journal keeps every record it has not persisted (see
/// ``JournalFollower``), then catches up.
public final class Persister: JournalFollower, @unchecked Sendable {
    public struct Configuration: Sendable {
        /// libpq connection string or URL.
        public var url: String
        /// Most records in one transaction: bounds the transaction's size and the rows redone
        /// after a failed one.
        public var batchRecordsMax = 50_000
        public var retryDelayMin: Duration = .milliseconds(100)
        public var retryDelayMax: Duration = .seconds(5)
        /// How long an idle persister waits before looking for new records.
        public var idlePause: Duration = .milliseconds(2)
        /// Journal bytes kept on disk for PostgreSQL at most. Past it, the server refuses new
        /// changes (`STORAGE_UNAVAILABLE`) until PostgreSQL catches up: safer than letting the
        /// disk fill, which stops the journal for good, or than giving PostgreSQL up, after which
        /// it would silently lack bookings until a `seatd restore`.
        public var journalBytesKeptMax = 8 << 30
        /// How often the bytes kept are measured (a listing and a `stat` per segment).
        public var retentionCheckInterval: Duration = .milliseconds(100)
        /// The keys of encrypted journal segments.
        public var encryption: EncryptionKeys?

        public init(url: String) {
            self.url = url
        }
    }

    public let configuration: Configuration
    private let writer: JournalWriter
    private let journalDirectory: String
    private let logger: Logger
    /// Called inside each batch's transaction after its rows and before its progress: tests
    /// break the connection there to stand for a crash at the worst moment.
    private let beforeProgress: (@Sendable (PostgresConnection) throws -> Void)?

    private let persistedLSN = Atomic<UInt64>(0)
    private let state = Mutex(State())
    private let wakeUp = NSCondition()
    /// The persister's thread, while it runs; only `start` and `stop` touch it, from one owner.
    private var thread: Thread?
    /// Signalled by the thread as it ends.
    private let finished = DispatchSemaphore(value: 0)

    struct State {
        var isStopping = false
        var drainDeadline: ContinuousClock.Instant?
        var isConnected = false
        var lastError: String?
        var batches = 0
        var bookingRows = 0
        var failures = 0
        var lag = LagClock()
        var journalBytesKept = 0
        var isHoldingBack = false
        var retentionCheckedAt: ContinuousClock.Instant?
    }

    public init(
        configuration: Configuration,
        writer: JournalWriter,
        journalDirectory: String,
        logger: Logger,
        beforeProgress: (@Sendable (PostgresConnection) throws -> Void)? = nil
    ) {
        self.configuration = configuration
        self.writer = writer
        self.journalDirectory = journalDirectory
        self.logger = logger
        self.beforeProgress = beforeProgress
    }

    /// Starts the persister's thread. Until it has read PostgreSQL's progress it holds back
    /// every segment (``followedThrough`` is 0).
    public func start() {
        precondition(thread == nil, "the persister is already running")
        let thread = Thread { [self] in run() }
        thread.name = "postgres-persister"
        self.thread = thread
        thread.start()
    }

    /// Persists what is readable for up to `drain`, then stops and waits for the thread.
    public func stop(drainingFor drain: Duration = .seconds(5)) {
        state.withLock {
            $0.isStopping = true
            $0.drainDeadline = .now + drain
        }
        wakeUp.broadcast()
        guard thread != nil else { return }
        finished.wait()
        thread = nil
    }

    /// Every record through this LSN is in PostgreSQL.
    public var followedThrough: UInt64 { persistedLSN.load(ordering: .acquiring) }

    /// Records readable in the journal and not yet in PostgreSQL.
    public var lagRecords: UInt64 {
        let readable = writer.readableThrough
        let persisted = followedThrough
        return readable > persisted ? readable - persisted : 0
    }

    public var statistics: [(name: String, value: UInt64)] {
        let persisted = followedThrough
        let lagRecords = lagRecords
        return state.withLock { state in
            [
                ("postgres_connected", state.isConnected ? 1 : 0),
                ("postgres_persisted_lsn", persisted),
                ("postgres_lag_records", lagRecords),
                ("postgres_lag_ms", UInt64(state.lag.lag(persistedThrough: persisted) / .milliseconds(1))),
                ("postgres_batches", UInt64(state.batches)),
                ("postgres_booking_rows", UInt64(state.bookingRows)),
                ("postgres_failures", UInt64(state.failures)),
                ("postgres_journal_bytes_kept", UInt64(state.journalBytesKept)),
                ("postgres_holding_back_changes", state.isHoldingBack ? 1 : 0),
            ]
        }
    }

    /// The last failure, for logs and tests; nil once a batch succeeds after it.
    public var lastError: String? { state.withLock { $0.lastError } }

    private func run() {
        defer {
            state.withLock { $0.isConnected = false }
            finished.signal()
        }
        var delay = configuration.retryDelayMin
        while !shouldStop() {
            do {
                let connection = try PostgresConnection(url: configuration.url)
                try Schema.migrate(connection)
                let stored = try storedProgress(connection)
                try checkProgress(stored)
                persistedLSN.store(stored, ordering: .releasing)
                var tail = try JournalTail(directory: journalDirectory, after: stored, keys: configuration.encryption)
                state.withLock { $0.isConnected = true }
                logger.info("persister connected", metadata: ["persistedLSN": "\(stored)"])
                delay = configuration.retryDelayMin
                try persist(&tail, connection)
            } catch {
                let failures = state.withLock { state in
                    state.isConnected = false
                    state.failures += 1
                    state.lastError = "\(error)"
                    return state.failures
                }
                logger.warning(
                    "persister failed; retrying",
                    metadata: ["error": "\(error)", "retryIn": "\(delay)", "failures": "\(failures)"])
                pause(for: delay)
                delay = min(delay * 2, configuration.retryDelayMax)
            }
        }
    }

    /// Writes batch after batch until told to stop, or until a failure ends the session.
    private func persist(_ tail: inout JournalTail, _ connection: PostgresConnection) throws {
        while true {
            let readable = writer.readableThrough
            let persisted = followedThrough
            noteProgress(readable: readable, persisted: persisted)
            guard readable > persisted else {
                if shouldStop() { return }
                pause(for: configuration.idlePause)
                continue
            }
            var batch = PersistBatch(after: persisted)
            _ = try tail.read(through: readable, recordsMax: configuration.batchRecordsMax) { try batch.add($0) }
            try connection.transaction {
                try batch.write(to: connection)
                try beforeProgress?(connection)
                let moved = try connection.execute(
                    """
                    UPDATE seat_persister_progress
                    SET persisted_lsn = $2, persisted_at = now(), hold_generation_max = greatest(hold_generation_max, $3)
                    WHERE persisted_lsn = $1
                    """,
                    [Int64(batch.afterLSN), Int64(batch.throughLSN), Int64(batch.holdGenerationMax)])
                guard moved.affected == 1 else { throw PersisterError.progressMovedElsewhere(expected: batch.afterLSN) }
            }
            persistedLSN.store(batch.throughLSN, ordering: .releasing)
            state.withLock { state in
                state.batches += 1
                state.bookingRows += batch.bookingRows
                state.lastError = nil
            }
        }
    }

    private func storedProgress(_ connection: PostgresConnection) throws -> UInt64 {
        let rows = try connection.execute("SELECT persisted_lsn FROM seat_persister_progress")
        guard rows.count == 1 else { throw PersisterError.noProgressRow }
        return try rows.integer(0, 0, as: UInt64.self)
    }

    /// PostgreSQL must not be ahead of the journal: that database was filled from another
    /// server's journal, or this one lost records, and writing on would mix two histories.
    private func checkProgress(_ stored: UInt64) throws {
        let appended = writer.appendedThrough
        guard stored <= appended else { throw PersisterError.databaseAhead(persisted: stored, journal: appended) }
    }

    private func shouldStop() -> Bool {
        state.withLock { state in
            guard state.isStopping else { return false }
            // Draining: go on while records remain and time is left.
            guard let deadline = state.drainDeadline, ContinuousClock.now < deadline, state.isConnected else { return true }
            return writer.readableThrough <= followedThrough
        }
    }

    /// Sleeps for `duration`, or less when stopped, noting the journal's progress meanwhile so
    /// the lag in seconds stays true through an outage.
    private func pause(for duration: Duration) {
        let until = ContinuousClock.now + duration
        wakeUp.lock()
        defer { wakeUp.unlock() }
        while ContinuousClock.now < until, !state.withLock({ $0.isStopping }) {
            let step = min(until - .now, .milliseconds(50))
            _ = wakeUp.wait(until: Date(timeIntervalSinceNow: Double(step / .microseconds(1)) / 1e6))
            noteProgress(readable: writer.readableThrough, persisted: followedThrough)
        }
    }

    /// Measures what the journal keeps for PostgreSQL, at most every `retentionCheckInterval`,
    /// and holds new changes back while it is over the limit, saying so once each way.
    private func checkRetention(persisted: UInt64) {
        let now = ContinuousClock.now
        let isDue = state.withLock { state in
            guard state.retentionCheckedAt.map({ now - $0 >= configuration.retentionCheckInterval }) ?? true else { return false }
            state.retentionCheckedAt = now
            return true
        }
        guard isDue, let kept = try? JournalRetention.bytesKept(in: journalDirectory, after: persisted) else { return }
        let limit = configuration.journalBytesKeptMax
        let change: Bool? = state.withLock { state in
            state.journalBytesKept = kept
            let over = kept > limit
            guard over != state.isHoldingBack else { return nil }
            state.isHoldingBack = over
            return over
        }
        switch change {
        case true?:
            writer.holdBack(.retentionFull(keptBytes: kept, limit: limit))
            logger.critical(
                "the journal keeps more bytes for PostgreSQL than allowed; refusing new changes until PostgreSQL catches up",
                metadata: ["keptBytes": "\(kept)", "limit": "\(limit)", "persistedLSN": "\(persisted)"])
        case false?:
            writer.holdBack(nil)
            logger.notice("PostgreSQL caught up within the journal's limit; taking changes again", metadata: ["keptBytes": "\(kept)"])
        case nil:
            break
        }
    }

    private func noteProgress(readable: UInt64, persisted: UInt64) {
        checkRetention(persisted: persisted)
        state.withLock { state in state.lag.note(readable: readable, persisted: persisted) }
    }
}

public enum PersisterError: Error, Hashable, Sendable, CustomStringConvertible {
    case noProgressRow
    case progressMovedElsewhere(expected: UInt64)
    case databaseAhead(persisted: UInt64, journal: UInt64)

    public var description: String {
        switch self {
        case .noProgressRow:
            "seat_persister_progress does not hold its one row"
        case .progressMovedElsewhere(let expected):
            "the persisted LSN is no longer \(expected): another server writes to this database"
        case .databaseAhead(let persisted, let journal):
            "PostgreSQL holds records through LSN \(persisted) but this server's journal ends at \(journal): the database belongs to another data directory"
        }
    }
}

/// When each journal LSN became readable, coarsely, so the persister's lag can be told in time:
/// the age of the oldest record not yet persisted.
struct LagClock {
    /// Samples kept; when full, the newest sample's LSN moves forward instead, which keeps the
    /// oldest times and can only overstate the lag.
    static let samplesMax = 4_096
    private var samples: [(lsn: UInt64, at: ContinuousClock.Instant)] = []

    mutating func note(readable lsn: UInt64, persisted: UInt64, at now: ContinuousClock.Instant = .now) {
        samples.removeFirst(samples.prefix { $0.lsn <= persisted }.count)
        if let last = samples.last, last.lsn >= lsn { return }
        if samples.count == Self.samplesMax {
            samples[samples.count - 1].lsn = lsn
        } else {
            samples.append((lsn, now))
        }
    }

    /// The age of the oldest sample beyond `persisted`.
    func lag(persistedThrough persisted: UInt64, at now: ContinuousClock.Instant = .now) -> Duration {
        guard let oldest = samples.first(where: { $0.lsn > persisted }) else { return .zero }
        return now - oldest.at
    }
}
