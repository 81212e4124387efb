@testable import BoxOfficeStorage
import Foundation
import Glibc
import NIOPosix
import SQLKit
import SeatTestSupport
import Synchronization
import Testing

@Suite("Storage on SQLite and PostgreSQL", .timeLimit(.minutes(2)))
struct StorageTests {
    static let probe = MigrationSet(component: "probe", migrations: [
        Migration(1, "create probe") { database, _ in
            try await database.create(table: "probe")
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("value", type: .bigint, .notNull)
                .run()
        },
    ])

    @Test(arguments: TestEngine.allCases)
    func migrationsApplyOnceAndAreRecorded(engine: TestEngine) async throws {
        try await Harness.withDatabase(engine, migrations: [Self.probe]) { database in
            // Applying again is a no-op, not an error ("table exists").
            try await database.migrate([Self.probe], logger: Harness.logger)
            let applied = try await database.appliedMigrations()
            #expect(applied == ["probe": 1])
        }
    }

    @Test(arguments: TestEngine.allCases)
    func aDatabaseMigratedByNewerCodeIsRefused(engine: TestEngine) async throws {
        try await Harness.withDatabase(engine, migrations: [Self.probe]) { database in
            let older = MigrationSet(component: "probe", migrations: [])
            await #expect(throws: DatabaseError.schemaNewerThanCode(component: "probe", databaseVersion: 1, codeVersion: 0)) {
                try await database.migrate([older], logger: Harness.logger)
            }
        }
    }

    @Test(arguments: TestEngine.allCases)
    func concurrentMigratorsApplyEachMigrationOnce(engine: TestEngine) async throws {
        try await Harness.withDatabase(engine, migrations: []) { database in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask { try await database.migrate([Self.probe], logger: Harness.logger) }
                }
                try await group.waitForAll()
            }
            let rows = try await database.withSession { session in
                try await session.select().column("version").from("schema_migrations").where("component", .equal, "probe").all()
            }
            #expect(rows.count == 1)
        }
    }

    struct Boom: Error {}

    /// Rows ``fillProbe(_:)`` writes: of about 60 bytes each, some 60 pages of the table and as
    /// many of its key's index.
    static let probeRows = 4_000

    /// Writes ``probeRows`` rows into `probe` in one statement, their ids `row-` and 50 digits.
    static func fillProbe(_ database: Database) async throws {
        try await database.write { session in
            try await session.raw("""
                INSERT INTO probe (id, value)
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(unsafeRaw: String(probeRows)))
                SELECT printf('row-%050d', i), i FROM n
                """).run()
        }
    }

    @Test(arguments: TestEngine.allCases)
    func aThrowingTransactionLeavesNoTrace(engine: TestEngine) async throws {
        try await Harness.withDatabase(engine, migrations: [Self.probe]) { database in
            await #expect(throws: Boom.self) {
                try await database.transaction { session in
                    try await session.insert(into: "probe").columns("id", "value").values(SQLBind("a"), SQLBind(1)).run()
                    throw Boom()
                }
            }
            try await database.transaction { session in
                try await session.insert(into: "probe").columns("id", "value").values(SQLBind("b"), SQLBind(2)).run()
            }
            let ids = try await database.withSession { session in
                try await session.select().column("id").from("probe").all().map { try $0.decode(column: "id", as: String.self) }
            }
            #expect(ids == ["b"])
        }
    }

    @Test(arguments: TestEngine.allCases)
    func aWriteRunsOneStatementAndRefusesASecondBeforeRunningIt(engine: TestEngine) async throws {
        try await Harness.withDatabase(engine, migrations: [Self.probe]) { database in
            let inserted = try await database.write { session in
                try await session.insert(into: "probe").columns("id", "value").values(SQLBind("a"), SQLBind(1)).returning("id").all().count
            }
            #expect(inserted == 1)
            await #expect(throws: DatabaseError.secondStatementInSingleWrite) {
                try await database.write { session in
                    try await session.insert(into: "probe").columns("id", "value").values(SQLBind("b"), SQLBind(2)).run()
                    try await session.insert(into: "probe").columns("id", "value").values(SQLBind("c"), SQLBind(3)).run()
                }
            }
            let ids = try await database.withSession { session in
                try await session.select().column("id").from("probe").orderBy("id").all().map { try $0.decode(column: "id", as: String.self) }
            }
            // SQLite ran the refused write's first statement in a transaction, rolled back with it;
            // PostgreSQL committed it by itself. The second ran on neither.
            #expect(ids == (engine == .sqlite ? ["a"] : ["a", "b"]))
        }
    }

    /// PostgreSQL refuses a savepoint outside a transaction block, which tells whether a
    /// `BEGIN` came first.
    @Test func onPostgreSQLAWriteIsSentWithoutBegin() async throws {
        try await Harness.withDatabase(.postgres, migrations: []) { database in
            let savepoint: @Sendable (any SQLDatabase) async throws -> Void = { session in try await session.raw("SAVEPOINT probe").run() }
            let refusal = await #expect(throws: (any Error).self, "no transaction block") { try await database.write(savepoint) }
            // 25P01, no_active_sql_transaction: refused for that reason, not another.
            #expect(refusal.map { String(reflecting: $0).contains("25P01") } == true, "\(refusal.map { String(reflecting: $0) } ?? "")")
            try await database.transaction(savepoint)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func hostileStringsAreStoredVerbatim(engine: TestEngine) async throws {
        let hostile = [
            "'; DROP TABLE probe; --", "\" OR 1=1 --", "Robert'); DELETE FROM probe;--", "\\x00 nul", "?1 $1 %s",
            "😀 ünïcödé", String(repeating: "'", count: 300),
        ]
        try await Harness.withDatabase(engine, migrations: [Self.probe]) { database in
            for (index, value) in hostile.enumerated() {
                try await database.withSession { session in
                    try await session.insert(into: "probe").columns("id", "value").values(SQLBind(value), SQLBind(index)).run()
                }
            }
            let stored = try await database.withSession { session in
                try await session.select().column("id").from("probe").orderBy("value").all()
                    .map { try $0.decode(column: "id", as: String.self) }
            }
            #expect(stored == hostile)
        }
    }
}

@Suite("SQLite's group commit", .timeLimit(.minutes(3)))
struct GroupCommitTests {
    @Test func concurrentTransactionsCommitTogetherAndOnlyTheFailingOnesAreUndone() async throws {
        try await Harness.withDatabase(.sqlite, migrations: [StorageTests.probe]) { database in
            let groupCommit = try #require(database.backend as? SQLiteBackend).groupCommit
            let before = groupCommit.totals
            let outcomes = try await Self.inOneBatch(database, count: 10) { index, session in
                // The eighth reuses the first's key: SQLite refuses that statement.
                let id = index == 7 ? "t0" : "t\(index)"
                try await session.insert(into: "probe").columns("id", "value").values(SQLBind(id), SQLBind(index)).run()
                if index == 4 { throw StorageTests.Boom() }
                return index
            }
            var succeeded: [Int] = []
            for (index, outcome) in outcomes.enumerated() {
                switch outcome {
                case .success(let value): succeeded.append(value)
                case .failure(let error):
                    #expect(index == 4 || index == 7, "transaction \(index) failed: \(error)")
                    if index == 4 { #expect(error is StorageTests.Boom) }
                }
            }
            #expect(succeeded == [0, 1, 2, 3, 5, 6, 8, 9])
            let after = groupCommit.totals
            #expect(after.batches - before.batches == 1)
            #expect(after.transactions - before.transactions == 10)
            // The fifth's failure sent the batch round again once; the eighth's was undone alone.
            #expect(after.reruns - before.reruns == 1)
            #expect(try await Self.storedIDs(database) == ["t0", "t1", "t2", "t3", "t5", "t6", "t8", "t9"])
        }
    }

    @Test func aBatchWithoutFailuresRunsEachBodyOnce() async throws {
        try await Harness.withDatabase(.sqlite, migrations: [StorageTests.probe]) { database in
            let groupCommit = try #require(database.backend as? SQLiteBackend).groupCommit
            let before = groupCommit.totals
            let runs = Mutex(0)
            let outcomes = try await Self.inOneBatch(database, count: 10) { index, session in
                runs.withLock { $0 += 1 }
                try await session.insert(into: "probe").columns("id", "value").values(SQLBind("t\(index)"), SQLBind(index)).run()
                return index
            }
            #expect(outcomes.map { try? $0.get() } == Array(0..<10))
            #expect(runs.withLock { $0 } == 10)
            let after = groupCommit.totals
            #expect(after.batches - before.batches == 1)
            #expect(after.reruns == before.reruns)
            #expect(try await Self.storedIDs(database) == (0..<10).map { "t\($0)" })
        }
    }

    @Test func aCancelledLeaderDoesNotFailTheOthersInItsBatch() async throws {
        try await Harness.withDatabase(.sqlite, migrations: [StorageTests.probe]) { database in
            let outcomes = try await Self.inOneBatch(database, count: 5, cancelingTheLeader: true) { index, session in
                try await session.insert(into: "probe").columns("id", "value").values(SQLBind("t\(index)"), SQLBind(index)).run()
                return index
            }
            for (index, outcome) in outcomes.enumerated().dropFirst() {
                #expect(throws: Never.self, "transaction \(index)") { try outcome.get() }
            }
            #expect(try await Self.storedIDs(database).filter { $0 != "t0" } == ["t1", "t2", "t3", "t4"])
        }
    }

    /// Every statement of a batch runs inside a transaction, so SQLite keeps a statement journal
    /// of the pages a statement that writes several rows changes, to undo it alone should it fail
    /// halfway. One that changes far more than 64 KiB of them keeps that journal in memory: the
    /// writer opens no temporary file.
    @Test func aStatementChangingManyPagesInATransactionOpensNoTemporaryFile() async throws {
        try await Harness.withDatabase(.sqlite, migrations: [StorageTests.probe]) { database in
            try await StorageTests.fillProbe(database)
            let opened = try await database.transaction { session in
                // Each copy's key sorts next to its original's: every leaf of the key's index changes.
                try await session.raw("INSERT INTO probe (id, value) SELECT id || '-copy', value FROM probe").run()
                // Still inside the transaction, so its journal is open now (on the writer's own
                // thread: the listing below blocks no thread of the cooperative pool).
                return try Self.temporaryFilesOpen()
            }
            #expect(opened == [])
            let total = try await database.withReadSession { session in
                try await session.raw("SELECT sum(value) AS total FROM probe").first()?.decode(column: "total", as: Int.self)
            }
            #expect(total == 2 * (1...StorageTests.probeRows).reduce(0, +))
        }
    }

    /// SQLite's temporary files this process has open: files it made, and removed at once, in the
    /// first folder of those it looks for, unnamed (`#<inode>`) where the kernel allows, else
    /// named `etilqs_…`. Other tests' removed files (their folders) do not match.
    private static func temporaryFilesOpen() throws -> [String] {
        let environment = ProcessInfo.processInfo.environment
        let folder = [environment["SQLITE_TMPDIR"], environment["TMPDIR"], "/var/tmp", "/usr/tmp", "/tmp"].compactMap { $0 }
            .first { FileManager.default.fileExists(atPath: $0) } ?? "."
        return try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").compactMap { descriptor in
            try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(descriptor)")
        }.filter { path in
            guard path.hasPrefix(folder + "/"), path.hasSuffix(" (deleted)") else { return false }
            let name = path.dropFirst(folder.count + 1)
            return !name.contains("/") && (name.hasPrefix("#") || name.hasPrefix("etilqs_"))
        }
    }

    /// Runs `count` transactions of `body` as one batch: the writer is held until all of them
    /// wait (the first leads, waiting for the writer; the others wait for it).
    private static func inOneBatch(
        _ database: Database, count: Int, cancelingTheLeader: Bool = false,
        _ body: @escaping @Sendable (Int, any SQLDatabase) async throws -> Int
    ) async throws -> [Result<Int, any Error>] {
        let groupCommit = try #require(database.backend as? SQLiteBackend).groupCommit
        let (entered, enteredSignal) = AsyncStream.makeStream(of: Void.self)
        let (release, releaseSignal) = AsyncStream.makeStream(of: Void.self)
        let holder = Task {
            try await database.withSession { _ in
                enteredSignal.yield()
                for await _ in release { break }
            }
        }
        for await _ in entered { break }
        func start(_ index: Int) -> Task<Int, any Error> {
            Task { try await database.transaction { session in try await body(index, session) } }
        }
        let leader = start(0)
        while !groupCommit.isLeading { try await Task.sleep(for: .milliseconds(1)) }
        let transactions = [leader] + (1..<count).map(start)
        while groupCommit.waiterCount < count - 1 { try await Task.sleep(for: .milliseconds(1)) }
        if cancelingTheLeader { leader.cancel() }
        releaseSignal.yield()
        try await holder.value
        var outcomes: [Result<Int, any Error>] = []
        for transaction in transactions { outcomes.append(await transaction.result) }
        return outcomes
    }

    private static func storedIDs(_ database: Database) async throws -> [String] {
        try await database.withReadSession { session in
            try await session.select().column("id").from("probe").orderBy("value").all().map { try $0.decode(column: "id", as: String.self) }
        }
    }

    @Test func waitersBeyondTheLimitAreRefusedAndALenderThatFailsFailsTheLeader() async throws {
        let (entered, enteredSignal) = AsyncStream.makeStream(of: Void.self)
        let (release, releaseSignal) = AsyncStream.makeStream(of: Void.self)
        let released = Mutex(false)
        // The connection is never lent: the first lender waits to be released, and every one fails.
        let groupCommit = GroupCommit(waitersMax: 1) { _ in
            if !released.withLock({ $0 }) {
                enteredSignal.yield()
                for await _ in release { break }
            }
            throw StorageTests.Boom()
        }
        let first = Task { try await groupCommit.transaction { _ in 1 } }
        for await _ in entered { break }
        let second = Task { try await groupCommit.transaction { _ in 2 } }
        while groupCommit.waiterCount < 1 { try await Task.sleep(for: .milliseconds(1)) }
        await #expect(throws: DatabaseError.overloaded(waitersMax: 1)) { try await groupCommit.transaction { _ in 3 } }
        released.withLock { $0 = true }
        releaseSignal.yield()
        await #expect(throws: StorageTests.Boom.self) { try await first.value }
        // The waiter leads next, and its lender fails too.
        await #expect(throws: StorageTests.Boom.self) { try await second.value }
        #expect(groupCommit.waiterCount == 0)
    }
}

@Suite("SQLite's checkpointer", .timeLimit(.minutes(1)))
struct CheckpointerTests {
    /// A commit's pages go to the log; while the store runs, the checkpointer copies them into
    /// the database file within moments, long before the writer's own mark (10,000 pages) would.
    @Test func theLogIsCopiedIntoTheDatabaseWhileTheStoreRuns() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/boxoffice.sqlite"
        try await Harness.withSQLiteFile(path) { database in
            try await database.migrate([StorageTests.probe], logger: Harness.logger)
            try await StorageTests.fillProbe(database)
            let pages = { (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0) / 4_096 }
            let deadline = ContinuousClock.now + .seconds(10)
            while try pages() < 100, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            #expect(try pages() >= 100)
            let rows = try await database.withReadSession { session in
                try await session.raw("SELECT count(*) AS rows FROM probe").first()?.decode(column: "rows", as: Int.self)
            }
            #expect(rows == StorageTests.probeRows)
        }
    }

    /// Should the checkpointer fall behind or not run, the writer copies the log itself, but
    /// only past its own mark, not at SQLite's default of 1,000 pages inside a commit.
    @Test func theWritersOwnCheckpointWaitsForItsMark() async throws {
        try await Harness.withDatabase(.sqlite, migrations: []) { database in
            let mark = try await database.withSession { session in
                try await session.raw("PRAGMA wal_autocheckpoint").first()?.decode(column: "wal_autocheckpoint", as: Int.self)
            }
            #expect(mark == SQLiteBackend.writerCheckpointPages)
        }
    }
}

@Suite("The SQLite connections' threads", .timeLimit(.minutes(3)))
struct ConnectionThreadTests {
    @Test func codeRunsOnTheConnectionsThreadUntilClosedAndThenOnTheGlobalPool() async throws {
        let thread = try await ConnectionThread.start()
        let connectionsThread = try await thread.run { pthread_self() }
        #expect(thread.handOffs == 1)
        #expect(!thread.isCurrent)
        let ranOn = try await withTaskExecutorPreference(thread) {
            // Work for the thread is a plain call from code already there.
            var threads: [pthread_t] = []
            for _ in 0..<3 {
                threads.append(try await thread.run { pthread_self() })
                await Task.yield()
                threads.append(pthread_self())
            }
            return threads
        }
        #expect(ranOn == Array(repeating: connectionsThread, count: 6))
        #expect(thread.handOffs == 1)
        // Closed while its thread still runs (as the store closes before stopping it): a job goes
        // to the global pool, not to the thread about to stop.
        thread.close()
        let resumedAfterClose = await withTaskExecutorPreference(thread) {
            await Task.yield()
            return pthread_self()
        }
        #expect(resumedAfterClose != connectionsThread)
        try await thread.shutdown()
    }

    @Test(arguments: [false, true])
    func theWritersThreadRunsAheadOnlyWhenAskedAndAllowed(raising: Bool) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try await Harness.withSQLiteFile(directory.path + "/boxoffice.sqlite", raisingWriterPriority: raising) { database in
            let writers = try await database.withSession { session in
                // After a statement the session's code is back on the writer's thread.
                _ = try await session.raw("SELECT 1 AS one").all()
                return getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
            }
            let others = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
            // Only a process allowed to raise a priority gets the writer's.
            #expect(writers == (raising && geteuid() == 0 ? SQLiteBackend.writerNice : others))
            #expect(others != SQLiteBackend.writerNice)
        }
    }
}

@Suite("The SQLite session gate", .timeLimit(.minutes(1)))
struct SessionGateTests {
    @Test func waitersBeyondTheLimitAreRefusedAtOnceAndTheOthersGoInOrder() async throws {
        let gate = SessionGate(waitersMax: 2)
        try await gate.enter()
        let order = OrderRecorder()
        let first = Task { try await gate.withGate { await order.append(1) } }
        while gate.waiterCount < 1 { await Task.yield() }
        let second = Task { try await gate.withGate { await order.append(2) } }
        while gate.waiterCount < 2 { await Task.yield() }
        // A third waiter is over the limit: refused, not queued.
        await #expect(throws: DatabaseError.overloaded(waitersMax: 2)) { try await gate.enter() }
        gate.leave()
        try await first.value
        try await second.value
        #expect(await order.values == [1, 2])
        // Open again once everyone has left.
        try await gate.enter()
        gate.leave()
    }

    actor OrderRecorder {
        var values: [Int] = []
        func append(_ value: Int) { values.append(value) }
    }
}
