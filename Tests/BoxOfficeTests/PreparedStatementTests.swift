@testable import BoxOfficeStorage
import PostgresNIO
import SQLKit
import Testing

@Suite("Statements prepared once per connection", .timeLimit(.minutes(2)))
struct PreparedStatementTests {
    static let typed = MigrationSet(component: "typed", migrations: [
        Migration(1, "create typed") { database, _ in
            try await database.raw("CREATE TABLE typed (id TEXT PRIMARY KEY, count INTEGER, note TEXT)").run()
        },
    ])

    /// Rows as (id, count, note), by id.
    static func rows(on session: any SQLDatabase) async throws -> [String] {
        try await session.prepared("SELECT id, count, note FROM typed WHERE id > \(bind: "") ORDER BY id").all().map { row in
            let count = try row.decodeNil(column: "count") ? "-" : String(try row.decode(column: "count", as: Int.self))
            let note = try row.decode(column: "note", as: String?.self) ?? "-"
            return "\(try row.decode(column: "id", as: String.self)) \(count) \(note)"
        }
    }

    /// A NULL and then a number for the same placeholder: PostgreSQL infers an INTEGER for the
    /// NULL, and an 8-byte number sent for it would be refused; the two runs are two statements.
    @Test(arguments: TestEngine.allCases)
    func aPreparedStatementRunsWithEveryKindOfValueItIsGiven(engine: TestEngine) async throws {
        try await Harness.withDatabase(engine, migrations: [Self.typed]) { database in
            let insert: @Sendable (String, Int?, String?) async throws -> Void = { id, count, note in
                try await database.withSession { session in
                    try await session.prepared("INSERT INTO typed (id, count, note) VALUES (\(bind: id), \(bind: count), \(bind: note))").run()
                }
            }
            try await insert("a", nil, "first")
            try await insert("b", 5, nil)
            try await insert("c", 7, "third")
            try await insert("d", nil, nil)
            let rows = try await database.withSession { session in try await Self.rows(on: session) }
            #expect(rows == ["a - first", "b 5 -", "c 7 third", "d - -"])
        }
    }

    /// `pg_prepared_statements` lists a connection's named statements: the texts run as
    /// `PreparedSQL` are there, each once however often it ran; statements run plainly are not.
    @Test func onPostgreSQLEachTextIsPreparedOncePerConnection() async throws {
        try await Harness.withDatabase(.postgres, migrations: [Self.typed]) { database in
            let prepared = try await database.withSession { session in
                for id in ["a", "b", "c"] {
                    try await session.prepared("INSERT INTO typed (id, count) VALUES (\(bind: id), \(bind: 1))").run()
                }
                try await session.raw("INSERT INTO typed (id, count) VALUES (\(bind: "d"), \(bind: 2))").run()
                _ = try await Self.rows(on: session)
                return try await session.raw("SELECT statement FROM pg_prepared_statements WHERE name LIKE 'boxoffice_%' ORDER BY statement")
                    .all().map { try $0.decode(column: "statement", as: String.self) }
            }
            #expect(prepared == ["INSERT INTO typed (id, count) VALUES ($1, $2)", "SELECT id, count, note FROM typed WHERE id > $1 ORDER BY id"])
        }
    }

    /// Why `PreparedSQL` names the columns it reads: on a connection that prepared a `SELECT *`,
    /// a column added meanwhile (a newer box office migrating) makes it fail; named columns go on.
    @Test func onPostgreSQLNamedColumnsSurviveAColumnAddedWhileASelectStarDoesNot() async throws {
        try await Harness.withDatabase(.postgres, migrations: [Self.typed]) { database in
            try await database.withSession { session in
                try await session.raw("INSERT INTO typed (id, count, note) VALUES ('a', 1, 'x')").run()
                let star: SQLQueryString = "SELECT * FROM typed WHERE id = \(bind: "a")"
                _ = try await session.prepared(star).all()
                #expect(try await Self.rows(on: session) == ["a 1 x"])
                try await session.raw("ALTER TABLE typed ADD COLUMN extra TEXT").run()
                #expect(try await Self.rows(on: session) == ["a 1 x"])
                let refusal = await #expect(throws: (any Error).self) { try await session.prepared(star).all() }
                // 0A000, feature_not_supported: "cached plan must not change result type".
                #expect(refusal.map { String(reflecting: $0).contains("0A000") } == true, "\(refusal.map { String(reflecting: $0) } ?? "")")
            }
        }
    }

    /// Prepared for the first time in a transaction that already failed, a statement is refused
    /// (25P02); PostgresNIO would answer every later run of its name on that connection with that
    /// refusal, so the name is retired and the statement prepared again under another. A
    /// statement that ran and broke a constraint keeps its name.
    @Test func onPostgreSQLAStatementFirstPreparedInAFailedTransactionRunsOnceItIsOver() async throws {
        try await Harness.withDatabase(.postgres, migrations: [Self.typed]) { database in
            try await database.withSession { session in
                let insert: SQLQueryString = "INSERT INTO typed (id, count) VALUES (\(bind: "a"), \(bind: 1))"
                try await session.raw("BEGIN").run()
                await #expect(throws: (any Error).self) { try await session.raw("SELECT 1 / 0 AS never").run() }
                let refusal = await #expect(throws: (any Error).self) { try await session.prepared(insert).run() }
                #expect(refusal.map { String(reflecting: $0).contains("25P02") } == true, "\(refusal.map { String(reflecting: $0) } ?? "")")
                try await session.raw("ROLLBACK").run()

                try await session.prepared(insert).run()
                let duplicate = await #expect(throws: (any Error).self) { try await session.prepared(insert).run() }
                #expect(duplicate.map { String(reflecting: $0).contains("23505") } == true, "\(duplicate.map { String(reflecting: $0) } ?? "")")
                try await session.prepared("INSERT INTO typed (id, count) VALUES (\(bind: "b"), \(bind: 2))").run()

                #expect(try await Self.rows(on: session) == ["a 1 -", "b 2 -"])
                let names = try await session.raw("SELECT name FROM pg_prepared_statements WHERE statement LIKE 'INSERT INTO typed%'")
                    .all().map { try $0.decode(column: "name", as: String.self) }
                #expect(names.count == 1, "prepared once after the failed transaction, and kept after the duplicate: \(names)")
            }
        }
    }

    /// The statements prepared on the session's connection whose text starts with `prefix`.
    static func prepared(startingWith prefix: String, on session: any SQLDatabase) async throws -> [String] {
        try await session.raw("SELECT statement FROM pg_prepared_statements WHERE starts_with(statement, \(bind: prefix))")
            .all().map { try $0.decode(column: "statement", as: String.self) }
    }

    /// Each row count of an insert is a text of its own: a handful of rows is prepared, a batch
    /// is not, and both insert every row.
    @Test func onPostgreSQLAnInsertOfAFewRowsIsPreparedAndABatchIsNot() async throws {
        try await Harness.withDatabase(.postgres, migrations: [Self.typed]) { database in
            try await database.withSession { session in
                let rows: @Sendable (String, Int) -> [[any Encodable & Sendable]] = { prefix, count in
                    (0..<count).map { ["\(prefix)\($0)", $0] }
                }
                try await session.insertRows(into: "typed", columns: ["id", "count"], rows: rows("few", preparedInsertRowsMax))
                try await session.insertRows(into: "typed", columns: ["id", "count"], rows: rows("many", preparedInsertRowsMax + 1))
                #expect(try await Self.rows(on: session).count == 2 * preparedInsertRowsMax + 1)
                let prepared = try await Self.prepared(startingWith: "INSERT INTO typed", on: session)
                #expect(prepared.count == 1)
                #expect(prepared.first?.components(separatedBy: "), (").count == preparedInsertRowsMax)
            }
        }
    }

    /// A value PostgresNIO does not encode by itself (PostgresKit encodes it through `Encodable`)
    /// sends its statement unnamed, the way every statement went before.
    @Test func onPostgreSQLAStatementWithAValueEncodedOnlyThroughEncodableRunsUnnamed() async throws {
        struct Note: Encodable, Sendable {
            let text: String
            func encode(to encoder: any Encoder) throws {
                var container = encoder.singleValueContainer()
                try container.encode(text)
            }
        }
        try await Harness.withDatabase(.postgres, migrations: [Self.typed]) { database in
            try await database.withSession { session in
                try await session.prepared("INSERT INTO typed (id, note) VALUES (\(bind: "a"), \(bind: Note(text: "kept")))").run()
                #expect(try await Self.rows(on: session) == ["a - kept"])
                #expect(try await Self.prepared(startingWith: "INSERT INTO typed", on: session).isEmpty)
            }
        }
    }

    /// Once the names run out, a new text runs unnamed and answers as it would named; texts
    /// named before keep their names.
    @Test func onPostgreSQLTextsBeyondTheNamesLimitRunUnnamed() async throws {
        try await Harness.withDatabase(.postgres) { database in
            try await database.withSession { session in
                let texts = PreparedStatementNames.namesMax + 1
                for index in 0..<texts {
                    let row = try await session.prepared("SELECT \(unsafeRaw: String(index)) AS n, \(bind: "beyond") AS tag").first()
                    #expect(try row?.decode(column: "n", as: Int.self) == index)
                }
                let named = try await Self.prepared(startingWith: "SELECT ", on: session).filter { $0.hasSuffix("AS tag") }
                // Names are given per process, so other statements may hold some: at least the last
                // of these texts ran unnamed.
                #expect(named.count > 0 && named.count < texts)
                #expect(named.contains("SELECT 0 AS n, $1 AS tag"))
                #expect(!named.contains("SELECT \(texts - 1) AS n, $1 AS tag"))
                let again = try await session.prepared("SELECT 0 AS n, \(bind: "again") AS tag").first()
                #expect(try again?.decode(column: "tag", as: String.self) == "again")
                #expect(try await Self.prepared(startingWith: "SELECT 0 AS n", on: session).count == 1)
            }
        }
    }

    @Test func namesAreOnePerTextAndBindTypesAndRunOutAtTheLimit() {
        let names = PreparedStatementNames()
        let first = names.name(sql: "SELECT $1", bindTypes: [.text])
        #expect(first != nil)
        #expect(names.name(sql: "SELECT $1", bindTypes: [.text]) == first)
        #expect(names.name(sql: "SELECT $1", bindTypes: [.null]) != first)
        #expect(names.name(sql: "SELECT $1 AS other", bindTypes: [.text]) != first)
        let retired = names.name(sql: "SELECT 'retired'", bindTypes: [])
        names.retire(retired!)
        let renamed = names.name(sql: "SELECT 'retired'", bindTypes: [])
        #expect(renamed != nil && renamed != retired)
        for index in 5..<PreparedStatementNames.namesMax {
            #expect(names.name(sql: "SELECT \(index)", bindTypes: []) != nil)
        }
        #expect(names.name(sql: "SELECT 'one too many'", bindTypes: []) == nil)
        #expect(names.name(sql: "SELECT $1", bindTypes: [.text]) == first, "names given before the limit stay")
    }
}
