@testable import BoxOfficeStorage
import PostgresNIO
import SQLKit
import Testing

@Suite("A write and the rows it brings, in one statement on PostgreSQL", .timeLimit(.minutes(2)))
struct RowInsertTests {
    static let tables = MigrationSet(component: "brought", migrations: [
        Migration(1, "create versioned and brought") { database, _ in
            try await database.raw("CREATE TABLE versioned (id TEXT PRIMARY KEY, version BIGINT NOT NULL)").run()
            try await database.raw("CREATE TABLE brought (id TEXT PRIMARY KEY, note TEXT, due BIGINT)").run()
        },
    ])

    static let columns: [RowInsert.Column] = [.init("id", "text"), .init("note", "text"), .init("due", "bigint")]

    /// Moves row `a` from `version` to the next, if it is still there.
    static func bump(from version: Int) -> SQLQueryString {
        "UPDATE versioned SET version = \(bind: version + 1) WHERE id = \(bind: "a") AND version = \(bind: version) RETURNING id"
    }

    /// Runs `bump(from: version)` and `inserts` as one write (a second statement would be refused
    /// there); returns the id the bump returned.
    static func write(from version: Int, _ inserts: [RowInsert], on database: Database) async throws -> String? {
        try await database.write { session in
            try await session.prepared(.write(bump(from: version), thenInserting: inserts)).first()?.decode(column: "id", as: String.self)
        }
    }

    static func state(of database: Database) async throws -> (version: Int, brought: [String]) {
        try await database.withSession { session in
            let version = try await session.raw("SELECT version FROM versioned WHERE id = 'a'").first()?.decode(column: "version", as: Int.self)
            let brought = try await session.raw("SELECT id, note, due FROM brought ORDER BY id").all().map { row in
                let note = try row.decode(column: "note", as: String?.self) ?? "-"
                let due = try row.decode(column: "due", as: Int?.self).map(String.init) ?? "-"
                return "\(try row.decode(column: "id", as: String.self)) \(note) \(due)"
            }
            return (version ?? -1, brought)
        }
    }

    /// Rows of two inserts, with NULLs of both types, come in with the write that brings them; a
    /// write that finds its row gone (another wrote it first) brings none.
    @Test func theRowsComeInOnlyWhenTheWriteWroteItsRow() async throws {
        try await Harness.withDatabase(.postgres, migrations: [Self.tables]) { database in
            try await database.write { session in try await session.raw("INSERT INTO versioned (id, version) VALUES ('a', 1)").run() }
            let first = [
                RowInsert(into: "brought", columns: Self.columns, rows: [["m1", String?.none, Int64(5)], ["m2", "hello", Int64?.none]]),
                // A column of NULLs only: nothing but the cast says what they are.
                RowInsert(into: "brought", columns: Self.columns, rows: [["m3", "x", Int64?.none], ["m4", String?.none, Int64?.none]]),
            ]
            #expect(try await Self.write(from: 1, first, on: database) == "a")
            let written = ["m1 - 5", "m2 hello -", "m3 x -", "m4 - -"]
            #expect(try await Self.state(of: database) == (2, written))

            let stale = [RowInsert(into: "brought", columns: Self.columns, rows: [["m5", "late", Int64(9)]])]
            #expect(try await Self.write(from: 1, stale, on: database) == nil)
            #expect(try await Self.state(of: database) == (2, written))
        }
    }

    /// The write and its rows are one statement: a row refused (a duplicate key, 23505) undoes
    /// the write.
    @Test func aRefusedRowUndoesTheWrite() async throws {
        try await Harness.withDatabase(.postgres, migrations: [Self.tables]) { database in
            try await database.write { session in try await session.raw("INSERT INTO versioned (id, version) VALUES ('a', 1)").run() }
            let rows = [RowInsert(into: "brought", columns: Self.columns, rows: [["m1", "first", Int64(1)]])]
            #expect(try await Self.write(from: 1, rows, on: database) == "a")
            let duplicate = [RowInsert(into: "brought", columns: Self.columns, rows: [["m2", "new", Int64(2)], ["m1", "again", Int64(3)]])]
            let refusal = await #expect(throws: PSQLError.self) { try await Self.write(from: 2, duplicate, on: database) }
            #expect(refusal?.serverInfo?[.sqlState] == "23505")
            #expect(try await Self.state(of: database) == (2, ["m1 first 1"]))
        }
    }
}
