import SQLKit

/// Rows for one of our tables, as a value: inserted by a statement of their own (``run(on:)``),
/// or on PostgreSQL folded into the statement of the write they follow
/// (``SQLQueryString/write(_:thenInserting:)``).
public struct RowInsert: Sendable {
    /// A column, with the PostgreSQL type its values are cast to when the rows are folded into
    /// another statement: there the rows are `SELECT`s joined by `UNION ALL`, which takes a
    /// column of NULLs (sent without a type) for text, and text goes into no number column.
    public struct Column: Sendable {
        public var name: String
        public var type: String

        public init(_ name: String, _ type: String) {
            self.name = name
            self.type = type
        }
    }

    public let table: String
    public let columns: [Column]
    public let rows: [[any Encodable & Sendable]]

    /// - Parameter rows: each with one value per column.
    public init(into table: String, columns: [Column], rows: [[any Encodable & Sendable]]) {
        for row in rows { precondition(row.count == columns.count, "a row of \(row.count) values for \(columns.count) columns") }
        self.table = table
        self.columns = columns
        self.rows = rows
    }

    /// Inserts the rows with one statement (none when there are no rows).
    public func run(on session: any SQLDatabase) async throws {
        guard !rows.isEmpty else { return }
        try await session.insertRows(into: table, columns: columns.map(\.name), rows: rows)
    }
}

extension SQLQueryString {
    /// For PostgreSQL: `write`, a statement that returns at most one row, then `inserts` only if
    /// it returned one, as one statement, which PostgreSQL commits whole or not at all. A
    /// transaction doing the same takes a round trip per statement and two more (`BEGIN`,
    /// `COMMIT`), each a wake-up of both processes; a booking's steps store this way. Returns
    /// what `write` returns.
    ///
    ///     WITH written AS (UPDATE … RETURNING id),
    ///          inserted_1 AS (INSERT INTO outbox (…) SELECT $8::text, … FROM written
    ///                         UNION ALL SELECT $14::text, … FROM written)
    ///     SELECT * FROM written
    ///
    /// PostgreSQL runs every data-modifying part of a `WITH` once, to completion, whether or not
    /// the query reads it, and all parts see the same snapshot: an insert sees `written`'s
    /// returned row, not the table as `write` left it.
    public static func write(_ write: SQLQueryString, thenInserting inserts: [RowInsert]) -> SQLQueryString {
        var statement: SQLQueryString = "WITH written AS ("
        statement.appendInterpolation(write)
        statement.appendInterpolation(unsafeRaw: ")")
        for (index, insert) in inserts.enumerated() where !insert.rows.isEmpty {
            statement.appendInterpolation(unsafeRaw: ", inserted_\(index + 1) AS (INSERT INTO \(insert.table) (")
            statement.appendInterpolation(unsafeRaw: insert.columns.map(\.name).joined(separator: ", ") + ") ")
            for (rowIndex, row) in insert.rows.enumerated() {
                statement.appendInterpolation(unsafeRaw: rowIndex == 0 ? "SELECT " : " UNION ALL SELECT ")
                for (valueIndex, (value, column)) in zip(row, insert.columns).enumerated() {
                    if valueIndex > 0 { statement.appendInterpolation(unsafeRaw: ", ") }
                    statement.appendInterpolation(bind: value)
                    statement.appendInterpolation(unsafeRaw: "::" + column.type)
                }
                statement.appendInterpolation(unsafeRaw: " FROM written")
            }
            statement.appendInterpolation(unsafeRaw: ")")
        }
        statement.appendInterpolation(unsafeRaw: " SELECT * FROM written")
        return statement
    }
}
