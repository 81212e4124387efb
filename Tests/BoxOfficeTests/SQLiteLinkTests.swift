@testable import BoxOfficeStorage
import Foundation
import NIOCore
import SQLKit
import SQLiteNIO
import SeatTestSupport
import Synchronization
import Testing

@Suite("An SQLite connection's statements", .timeLimit(.minutes(2)))
struct SQLiteLinkTests {
    /// Runs `body` with a link to a new database file, closed afterwards.
    private func withLink(_ body: (SQLiteLink) throws -> Void) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let link = try SQLiteLink(path: directory.path + "/link.sqlite")
        defer { link.close() }
        try body(link)
    }

    private func rows(_ link: SQLiteLink, _ sql: String, _ binds: [SQLiteData] = []) throws -> [SQLiteResultRow] {
        var rows: [SQLiteResultRow] = []
        try link.run(sql, binds) { rows.append($0) }
        return rows
    }

    @Test func aFileThatCannotBeOpenedIsRefusedWithSQLitesReason() throws {
        let failure = #expect(throws: SQLiteFailure.self) { _ = try SQLiteLink(path: "/nonexistent-folder/box.sqlite") }
        // SQLITE_CANTOPEN.
        #expect(failure?.code == 14)
        #expect(failure?.message == "unable to open database file")
        #expect(failure?.sql == "open /nonexistent-folder/box.sqlite")
    }

    @Test func aClosedConnectionRefusesStatementsAndKeepsNone() throws {
        try withLink { link in
            _ = try rows(link, "SELECT 1 AS one")
            link.close()
            #expect(link.cachedStatementCount == 0)
            let failure = #expect(throws: SQLiteFailure.self) { try link.run("SELECT 1 AS one", []) { _ in } }
            #expect(failure?.code == 21)
            #expect(failure?.message == "the connection is closed")
        }
    }

    @Test func aStatementIsCompiledOnceAndTheLeastRecentlyUsedGoPastTheLimit() throws {
        try withLink { link in
            try link.run("CREATE TABLE seats (id INTEGER PRIMARY KEY, label TEXT NOT NULL)", []) { _ in }
            for index in 0..<10 {
                try link.run("INSERT INTO seats (id, label) VALUES (?1, ?2)", [.integer(index), .text("A\(index)")]) { _ in }
            }
            // The table's creation and the insert, each compiled once.
            #expect(link.cachedStatementCount == 2)
            for index in 0..<(SQLiteLink.statementsMax + 10) {
                _ = try rows(link, "SELECT label FROM seats WHERE id = \(index % 10) AND \(index) >= 0")
            }
            #expect(link.cachedStatementCount == SQLiteLink.statementsMax)
            // The insert was the least recently used: compiled again when needed, and right.
            try link.run("INSERT INTO seats (id, label) VALUES (?1, ?2)", [.integer(10), .text("B1")]) { _ in }
            #expect(try rows(link, "SELECT COUNT(*) AS count FROM seats").first?.decode(column: "count", as: Int.self) == 11)
            #expect(link.cachedStatementCount == SQLiteLink.statementsMax)
        }
    }

    @Test func valuesOfEveryKindComeBackAsStored() throws {
        try withLink { link in
            try link.run("CREATE TABLE things (i INTEGER, f REAL, t TEXT, b BLOB, n TEXT)", []) { _ in }
            let text = "a\u{0}b ✓ é"
            let blob: [UInt8] = [0, 1, 255, 0, 7]
            for value in [Int.min, Int.max] {
                try link.run("INSERT INTO things VALUES (?1, ?2, ?3, ?4, ?5)",
                             [.integer(value), .float(-2.5), .text(text), .blob(ByteBuffer(bytes: blob)), .null]) { _ in }
            }
            let stored = try rows(link, "SELECT * FROM things ORDER BY i")
            #expect(stored.map(\.values.first) == [.integer(Int.min), .integer(Int.max)])
            let row = try #require(stored.first)
            #expect(row.allColumns == ["i", "f", "t", "b", "n"])
            #expect(try row.decode(column: "f", as: Double.self) == -2.5)
            // Text is read by its length: a NUL inside it does not end it.
            #expect(try row.decode(column: "t", as: String.self) == text)
            #expect(row.values[3] == .blob(ByteBuffer(bytes: blob)))
            #expect(try row.decodeNil(column: "n"))
            #expect(try row.decodeNil(column: "no such column"))
            #expect(throws: DecodingError.self) { try row.decode(column: "no such column", as: String.self) }
        }
    }

    @Test func aValueBoundInOneRunIsNotLeftForTheNext() throws {
        try withLink { link in
            let bound = try rows(link, "SELECT ?1 AS value", [.integer(5)]).map(\.values)
            #expect(bound == [[.integer(5)]])
            // Run again with nothing bound: the parameter is NULL, not the last run's 5.
            let unbound = try rows(link, "SELECT ?1 AS value").map(\.values)
            #expect(unbound == [[.null]])
        }
    }

    @Test func aKeptSelectStarSeesAColumnAddedAfterItWasCompiled() throws {
        try withLink { link in
            try link.run("CREATE TABLE shows (id INTEGER PRIMARY KEY)", []) { _ in }
            try link.run("INSERT INTO shows (id) VALUES (1)", []) { _ in }
            #expect(try rows(link, "SELECT * FROM shows").first?.allColumns == ["id"])
            try link.run("ALTER TABLE shows ADD COLUMN title TEXT DEFAULT 'Flash'", []) { _ in }
            let row = try #require(try rows(link, "SELECT * FROM shows").first)
            #expect(row.allColumns == ["id", "title"])
            #expect(try row.decode(column: "title", as: String.self) == "Flash")
        }
    }

    @Test func aRefusedStatementSaysWhyAndTheConnectionGoesOn() throws {
        try withLink { link in
            try link.run("CREATE TABLE codes (code TEXT PRIMARY KEY)", []) { _ in }
            let insert = "INSERT INTO codes (code) VALUES (?1)"
            try link.run(insert, [.text("A")]) { _ in }
            let duplicate = #expect(throws: SQLiteFailure.self) { try link.run(insert, [.text("A")]) { _ in } }
            // SQLITE_CONSTRAINT_PRIMARYKEY, an extended code.
            #expect(duplicate?.code == 1555)
            #expect(duplicate?.message.contains("UNIQUE constraint failed: codes.code") == true)
            #expect(duplicate?.sql == insert)
            let syntax = #expect(throws: SQLiteFailure.self) { try link.run("SELEKT 1", []) { _ in } }
            #expect(syntax?.code == 1)
            // The refused statement was reset and runs again.
            try link.run(insert, [.text("B")]) { _ in }
            #expect(try rows(link, "SELECT code FROM codes ORDER BY code").map(\.values) == [[.text("A")], [.text("B")]])
        }
    }

    /// SQLKit's older futures API reaches the same connection, handed to its thread.
    @Test func aStatementSentThroughTheFuturesAPIRunsToo() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try await Harness.withSQLiteFile(directory.path + "/boxoffice.sqlite") { database in
            let values = try await database.withSession { session in
                let collected = Collected()
                try await session.execute(sql: SQLRaw("SELECT 7 AS value UNION ALL SELECT 8")) { row in
                    collected.values.withLock { $0.append((try? row.decode(column: "value", as: Int.self)) ?? -1) }
                }.get()
                return collected.values.withLock { $0 }
            }
            #expect(values == [7, 8])
        }
    }

    @Test func aSessionsStatementsRunOnItsConnectionsThreadWithoutHandOffs() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try await Harness.withSQLiteFile(directory.path + "/boxoffice.sqlite") { database in
            let backend = try #require(database.backend as? SQLiteBackend)
            let threads = [backend.writer.thread] + backend.readers.map(\.thread)
            let before = threads.map(\.handOffs)
            try await database.transaction { session in
                try await session.raw("CREATE TABLE t (id INTEGER PRIMARY KEY)").run()
                for id in 0..<5 { try await session.raw("INSERT INTO t (id) VALUES (\(bind: id))").run() }
            }
            for _ in 0..<4 {
                let count = try await database.withReadSession { session in
                    try await session.raw("SELECT COUNT(*) AS count FROM t").first()?.decode(column: "count", as: Int.self)
                }
                #expect(count == 5)
            }
            #expect(threads.map(\.handOffs) == before)
        }
    }
}

/// Values a statement's rows hand over from the connection's thread.
private final class Collected: Sendable {
    let values = Mutex<[Int]>([])
}
