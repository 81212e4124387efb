import SQLKit

extension SQLQueryString {
    /// `INSERT INTO table (columns) VALUES (…), (…)` with every value bound: the statement
    /// SQLKit's insert builder writes, without its cost per statement (quoting each identifier,
    /// encoding models), which on the paths every booking takes was more than running it.
    ///
    /// - Parameters:
    ///   - table: written as it is, like `columns`: names of our own schema that need no quoting.
    ///   - rows: each with one value per column.
    public static func insert(into table: String, columns: [String], rows: [[any Encodable & Sendable]]) -> SQLQueryString {
        var statement: SQLQueryString = "INSERT INTO \(unsafeRaw: table) (\(unsafeRaw: columns.joined(separator: ", "))) VALUES "
        for (index, row) in rows.enumerated() {
            precondition(row.count == columns.count, "a row of \(row.count) values for \(columns.count) columns")
            statement.appendInterpolation(unsafeRaw: index == 0 ? "(" : ", (")
            statement.appendInterpolation(binds: row)
            statement.appendInterpolation(unsafeRaw: ")")
        }
        return statement
    }
}

extension SQLDatabase {
    /// Inserts `rows` with ``SQLQueryString/insert(into:columns:rows:)``, prepared (``PreparedSQL``)
    /// when there are few: each row count is a text of its own, and only the small inserts every
    /// booking makes are worth keeping prepared on every connection.
    public func insertRows(into table: String, columns: [String], rows: [[any Encodable & Sendable]]) async throws {
        let statement = SQLQueryString.insert(into: table, columns: columns, rows: rows)
        if rows.count <= preparedInsertRowsMax {
            try await prepared(statement).run()
        } else {
            try await raw(statement).run()
        }
    }
}

/// Rows in an insert that ``SQLDatabase/insertRows(into:columns:rows:)`` prepares, at most.
let preparedInsertRowsMax = 4
