import Foundation
import Logging
import SeatInventory
import SeatJournal
import SeatPostgres
import SeatTestSupport
import Synchronization
import Testing

/// The bookings a journal holds, or PostgreSQL: by hold id, the show, the seats, and whether
/// the booking was cancelled.
struct BookingLedger: Equatable, CustomStringConvertible {
    struct Entry: Equatable {
        let show: UInt32
        let seats: [UInt32]
        let isCancelled: Bool
    }

    var entries: [UInt64: Entry] = [:]

    /// Every confirmation in the journal, and each cancellation of one.
    init(journal directory: String) throws {
        _ = try JournalRecovery.replay(directory: directory) { record in
            switch try EngineRecord(record) {
            case .confirmed(let change, let seats):
                entries[HoldID(change.reservation).rawValue] = Entry(show: change.show.rawValue, seats: seats.sorted(), isCancelled: false)
            case .ended(let change) where change.kind == .cancelled:
                let hold = HoldID(change.reservation).rawValue
                guard let booked = entries[hold] else { throw LedgerError(description: "cancellation of unknown booking \(hold)") }
                entries[hold] = Entry(show: booked.show, seats: booked.seats, isCancelled: true)
            default:
                break
            }
        }
    }

    /// What PostgreSQL holds; throws when its seat rows disagree with its cancellations.
    init(postgres connection: PostgresConnection) throws {
        let rows = try connection.execute(
            """
            SELECT b.hold_id, b.show_id, b.seat_count, c.hold_id IS NOT NULL,
                   array_to_string(array_agg(s.seat ORDER BY s.seat), ','),
                   bool_and(s.active = (c.hold_id IS NULL)), count(s.seat)
            FROM seat_bookings b
            LEFT JOIN seat_cancellations c USING (hold_id)
            LEFT JOIN seat_booked_seats s USING (hold_id)
            GROUP BY b.hold_id, b.show_id, b.seat_count, c.hold_id
            """)
        for row in 0..<rows.count {
            let hold = try rows.integer(row, 0, as: UInt64.self)
            guard rows[row, 5] == "t", try rows.integer(row, 2) == rows.integer(row, 6) else {
                throw LedgerError(description: "booking \(hold): seat rows disagree with the booking or its cancellation")
            }
            entries[hold] = Entry(
                show: try rows.integer(row, 1, as: UInt32.self),
                seats: (rows[row, 4] ?? "").split(separator: ",").compactMap { UInt32($0) },
                isCancelled: rows[row, 3] == "t")
        }
    }

    var description: String { "\(entries.count) bookings, \(entries.values.filter(\.isCancelled).count) cancelled" }

    struct LedgerError: Error, CustomStringConvertible {
        let description: String
    }
}

/// Waits (bounded) until the persister has everything the journal made readable.
/// Waits until the persister has written everything appended so far. (Waiting only for what is
/// readable would end at once, before a single record, when the writer has not yet written
/// the last batch out: the race a loaded machine shows.)
func waitUntilCaughtUp(_ persister: Persister, _ writer: JournalWriter, within limit: Duration = .seconds(60)) async throws {
    let deadline = ContinuousClock.now + limit
    let appended = writer.appendedThrough
    while persister.followedThrough < appended {
        guard ContinuousClock.now < deadline else {
            throw LedgerError(description: "persister at \(persister.followedThrough), journal appended through \(appended), readable through \(writer.readableThrough); last error: \(persister.lastError ?? "none")")
        }
        try await Task.sleep(for: .milliseconds(5))
    }
}

extension Persister {
    /// Stops the persister, waiting for its thread off the cooperative pool.
    func stopped(drainingFor drain: Duration = .seconds(5)) async throws {
        try await OwnThread.run { self.stop(drainingFor: drain) }
    }
}

typealias LedgerError = BookingLedger.LedgerError

func quietLogger() -> Logger {
    var logger = Logger(label: "persister-test")
    logger.logLevel = .error
    return logger
}

@Suite(.timeLimit(.minutes(5))) struct PersisterTests {
    /// A seeded workload journaled, then persisted while more runs: PostgreSQL ends up with
    /// exactly the journal's bookings and cancellations, and the sold seats of every show.
    @Test(arguments: randomizedSeeds(fixed: 2))
    func everyBookingReachesPostgreSQLOnce(seed: UInt64) async throws {
        try await PostgresCluster.withSharedDatabase { database in
            let temporary = try TemporaryDirectory()
            defer { temporary.remove() }
            var random = SeededGenerator(seed: seed)
            let live = try JournaledEngine(in: temporary.path, segmentBytesMax: 8_000)
            live.run(2_000, random: &random, from: 0)
            var configuration = Persister.Configuration(url: database.url)
            configuration.batchRecordsMax = 300
            let persister = Persister(
                configuration: configuration, writer: live.journal.writer, journalDirectory: live.directory.journal, logger: quietLogger())
            persister.start()
            live.run(3_000, random: &random, from: 100_000)
            try live.engine.cancelShow(ShowID(rawValue: 2))
            try await waitUntilCaughtUp(persister, live.journal.writer)
            try await persister.stopped()
            try await live.journal.writer.closed()

            let connection = try PostgresConnection(url: database.url)
            let expected = try BookingLedger(journal: live.directory.journal)
            #expect(expected.entries.count > 50, "seed \(seed): the workload booked (\(expected))")
            #expect(expected.entries.values.contains { $0.isCancelled }, "seed \(seed): the workload cancelled")
            #expect(try BookingLedger(postgres: connection) == expected, "seed \(seed)")
            for show in live.engine.showIDs {
                let sold = try live.engine.availability(of: show).seats.sold
                let rows = try connection.execute(
                    "SELECT seat FROM seat_booked_seats WHERE show_id = $1 AND active ORDER BY seat", [Int64(show.rawValue)])
                let persisted = try (0..<rows.count).map { try rows.integer($0, 0) }
                #expect(persisted == sold.members.map { Int64($0.rawValue) }, "seed \(seed), \(show)")
            }
            let shows = try connection.execute("SELECT show_id, cancelled_lsn IS NOT NULL FROM seat_shows ORDER BY show_id")
            #expect(shows.count == 3 && shows[2, 1] == "t" && shows[0, 1] == "f")
            let layout = live.journal.definedLayouts[0].layout
            let layouts = try connection.execute("SELECT name, seat_count FROM seat_layouts")
            #expect(layouts.count == 1 && layouts[0, 0] == layout.name && layouts[0, 1] == String(layout.seatCount))
            #expect(
                try connection.execute("SELECT persisted_lsn FROM seat_persister_progress").integer(0, 0, as: UInt64.self)
                    == live.journal.writer.durableThrough)
        }
    }

    /// The connection dies inside a batch's transaction after its COPYs and before its
    /// progress, three times: each time PostgreSQL drops the whole batch, and the next session
    /// writes it again from the stored LSN, so no row is lost or doubled.
    @Test func aCrashBetweenTheRowsAndTheProgressReplaysWithoutDuplicates() async throws {
        try await PostgresCluster.withSharedDatabase { database in
            let temporary = try TemporaryDirectory()
            defer { temporary.remove() }
            let seed: UInt64 = 0x5EED_0006
            var random = SeededGenerator(seed: seed)
            let live = try JournaledEngine(in: temporary.path)
            live.run(3_000, random: &random, from: 0)
            let crashes = Atomic(0)
            let attempts = Atomic(0)
            var configuration = Persister.Configuration(url: database.url)
            configuration.batchRecordsMax = 400
            configuration.retryDelayMin = .milliseconds(10)
            let persister = Persister(
                configuration: configuration, writer: live.journal.writer, journalDirectory: live.directory.journal,
                logger: quietLogger()
            ) { connection in
                // Every other attempt, three times in all: the backend kills itself, as a crash would.
                let attempt = attempts.add(1, ordering: .relaxed).newValue
                guard crashes.load(ordering: .relaxed) < 3, attempt % 2 == 1 else { return }
                crashes.add(1, ordering: .relaxed)
                try connection.execute("SELECT pg_terminate_backend(pg_backend_pid())")
            }
            persister.start()
            try await waitUntilCaughtUp(persister, live.journal.writer)
            try await persister.stopped()
            try await live.journal.writer.closed()
            #expect(crashes.load(ordering: .relaxed) == 3)
            #expect(persister.statistics.first { $0.name == "postgres_failures" }?.value == 3)
            let connection = try PostgresConnection(url: database.url)
            #expect(try BookingLedger(postgres: connection) == BookingLedger(journal: live.directory.journal))
        }
    }

    /// PostgreSQL's own constraint refuses a second active sale of a seat, whoever writes it.
    @Test func postgreSQLRefusesADoubleSaleInsertedBehindTheServersBack() async throws {
        try await PostgresCluster.withSharedDatabase { database in
            let temporary = try TemporaryDirectory()
            defer { temporary.remove() }
            var random = SeededGenerator(seed: 0xD0_0B1E)
            let live = try JournaledEngine(in: temporary.path)
            live.run(1_000, random: &random, from: 0)
            let persister = Persister(
                configuration: .init(url: database.url), writer: live.journal.writer, journalDirectory: live.directory.journal,
                logger: quietLogger())
            persister.start()
            try await waitUntilCaughtUp(persister, live.journal.writer)
            try await persister.stopped()
            try await live.journal.writer.closed()
            let connection = try PostgresConnection(url: database.url)
            let sold = try connection.execute("SELECT show_id, seat FROM seat_booked_seats WHERE active LIMIT 1")
            try #require(sold.count == 1)
            let (show, seat) = (try sold.integer(0, 0), try sold.integer(0, 1))
            #expect {
                try connection.transaction {
                    try connection.execute(
                        "INSERT INTO seat_bookings (hold_id, show_id, change_number, seat_count, confirmed_lsn) VALUES (1, $1, 0, 1, 999999999)",
                        [show])
                    try connection.execute("INSERT INTO seat_booked_seats VALUES (1, $1, $2, true)", [show, seat])
                }
            } throws: { ($0 as? PostgresError)?.sqlState == PostgresError.uniqueViolation }
        }
    }

    /// A database that holds more of the journal than this server has is another server's:
    /// the persister writes nothing to it and says why.
    @Test func aDatabaseAheadOfTheJournalIsRefused() async throws {
        try await PostgresCluster.withSharedDatabase { database in
            let temporary = try TemporaryDirectory()
            defer { temporary.remove() }
            let connection = try PostgresConnection(url: database.url)
            try Schema.migrate(connection)
            try connection.execute("UPDATE seat_persister_progress SET persisted_lsn = 1000000")
            let live = try JournaledEngine(in: temporary.path)
            let persister = Persister(
                configuration: .init(url: database.url), writer: live.journal.writer, journalDirectory: live.directory.journal,
                logger: quietLogger())
            persister.start()
            let deadline = ContinuousClock.now + .seconds(20)
            while persister.lastError == nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            try await persister.stopped(drainingFor: .zero)
            try await live.journal.writer.closed()
            #expect(persister.lastError?.contains("holds records through LSN 1000000") == true, "\(persister.lastError ?? "no error")")
            #expect(persister.followedThrough == 0)
            #expect(try connection.execute("SELECT count(*) FROM seat_layouts").integer(0, 0) == 0)
        }
    }

    /// PostgreSQL stops mid-load and comes back: the journal keeps every record meanwhile, the
    /// lag shows it, and the persister catches up with every row exactly once.
    @Test func aPostgreSQLOutageMidLoadLosesAndDoublesNothing() async throws {
        try await PostgresCluster.with { cluster in
            let temporary = try TemporaryDirectory()
            defer { temporary.remove() }
            let seed = randomizedSeeds(fixed: 1).last!
            var random = SeededGenerator(seed: seed)
            let live = try JournaledEngine(in: temporary.path, segmentBytesMax: 8_000)
            var configuration = Persister.Configuration(url: cluster.url)
            configuration.batchRecordsMax = 200
            configuration.retryDelayMin = .milliseconds(20)
            configuration.retryDelayMax = .milliseconds(200)
            let persister = Persister(
                configuration: configuration, writer: live.journal.writer, journalDirectory: live.directory.journal, logger: quietLogger())
            persister.start()
            live.run(2_000, random: &random, from: 0)
            try await cluster.kill()
            live.run(2_000, random: &random, from: 100_000)
            // The persister notices at its next statement; give it (bounded) time.
            var during: [String: UInt64] = [:]
            let deadline = ContinuousClock.now + .seconds(20)
            repeat {
                try await Task.sleep(for: .milliseconds(50))
                during = Dictionary(uniqueKeysWithValues: persister.statistics.map { ($0.name, $0.value) })
            } while (during["postgres_connected"] != 0 || during["postgres_lag_ms"]! < 200) && ContinuousClock.now < deadline
            #expect(during["postgres_connected"] == 0, "seed \(seed)")
            #expect(during["postgres_lag_records"]! > 0 && during["postgres_lag_ms"]! >= 200, "seed \(seed): \(during)")
            try await cluster.start()
            live.run(2_000, random: &random, from: 200_000)
            try await waitUntilCaughtUp(persister, live.journal.writer)
            try await persister.stopped()
            try await live.journal.writer.closed()
            let connection = try PostgresConnection(url: cluster.url)
            #expect(try BookingLedger(postgres: connection) == BookingLedger(journal: live.directory.journal), "seed \(seed)")
        }
    }
}

/// The journal keeps every record PostgreSQL has not taken; past a named limit the server
/// refuses new changes rather than fill the disk, and takes them again once PostgreSQL is back.
@Suite(.timeLimit(.minutes(3))) struct JournalRetentionTests {
    @Test func changesAreHeldBackWhileAnAbsentPostgreSQLWouldMakeTheJournalKeepTooMuch() async throws {
        try await PostgresCluster.with { cluster in
            try await cluster.stop()
            let temporary = try TemporaryDirectory()
            defer { temporary.remove() }
            let live = try JournaledEngine(in: temporary.path, segmentBytesMax: 4_000)
            var configuration = Persister.Configuration(url: cluster.url)
            configuration.journalBytesKeptMax = 20_000
            configuration.retryDelayMin = .milliseconds(20)
            configuration.retryDelayMax = .milliseconds(100)
            configuration.retentionCheckInterval = .milliseconds(5)
            let persister = Persister(
                configuration: configuration, writer: live.journal.writer, journalDirectory: live.directory.journal, logger: quietLogger())
            persister.start()
            var random = SeededGenerator(seed: 0x4E7A_1105)
            var refusal: InventoryError?
            for round in 0..<400 where refusal == nil {
                live.run(100, random: &random, from: UInt64(round) * 10_000)
                try await Task.sleep(for: .milliseconds(10))
                do { try live.journal.admitChange() } catch { refusal = error as? InventoryError }
            }
            let statistics = Dictionary(uniqueKeysWithValues: persister.statistics.map { ($0.name, $0.value) })
            guard case .changeLogUnavailable(let reason) = refusal else {
                Issue.record("never refused; the persister measured \(statistics["postgres_journal_bytes_kept"] ?? 0) bytes")
                try await persister.stopped(drainingFor: .zero)
                return
            }
            #expect(reason.contains("PostgreSQL has not taken yet, over the limit of 20000"), "\(reason)")
            #expect(statistics["postgres_holding_back_changes"] == 1 && statistics["postgres_journal_bytes_kept"]! > 20_000, "\(statistics)")
            #expect("the engine refuses changes meanwhile") {
                _ = try live.engine.holdSeats([SeatIndex(150)], in: ShowID(rawValue: 0), for: .seconds(60), at: Timestamp(milliseconds: 9_000_000))
            } throws: { error in
                guard case .changeLogUnavailable = error as? InventoryError else { return false }
                return true
            }

            try await cluster.start()
            let deadline = ContinuousClock.now + .seconds(60)
            var admitted = false
            while !admitted, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
                admitted = (try? live.journal.admitChange()) != nil
            }
            #expect(admitted, "changes are taken again once PostgreSQL caught up: \(persister.lastError ?? "")")
            let after = Dictionary(uniqueKeysWithValues: persister.statistics.map { ($0.name, $0.value) })
            #expect(after["postgres_holding_back_changes"] == 0)
            try await persister.stopped()
            try await live.journal.writer.closed()
        }
    }
}
