import SQLKit

/// A statement the box office runs so often (on every booking) that PostgreSQL should parse and
/// plan it once per connection rather than once per run: it is sent as a named prepared
/// statement there (``PostgresSession``). SQLite runs it as any other statement.
///
/// Only fixed text belongs here, never text that varies with the data (an `IN` list as long as
/// its values): each distinct text becomes a statement kept by every connection for its
/// lifetime, and past ``PreparedStatementNames/namesMax`` texts the rest run unprepared. Name
/// the columns a query returns instead of `*`: a prepared `SELECT *` fails once a newer box
/// office adds a column ("cached plan must not change result type").
public struct PreparedSQL: SQLExpression {
    let text: SQLQueryString

    public func serialize(to serializer: inout SQLSerializer) {
        text.serialize(to: &serializer)
    }
}

/// Runs a ``PreparedSQL`` statement with SQLKit's fetchers (`run`, `all`, `first`, …).
public final class PreparedSQLBuilder: SQLQueryFetcher {
    public let query: any SQLExpression
    public let database: any SQLDatabase

    init(_ statement: PreparedSQL, on database: any SQLDatabase) {
        query = statement
        self.database = database
    }
}

extension SQLDatabase {
    /// `statement`, to be prepared once per connection where the engine allows (see ``PreparedSQL``).
    public func prepared(_ statement: SQLQueryString) -> PreparedSQLBuilder {
        PreparedSQLBuilder(PreparedSQL(text: statement), on: self)
    }
}
