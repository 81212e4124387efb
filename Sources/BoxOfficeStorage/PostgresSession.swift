import NIOCore
import PostgresKit
import PostgresNIO
import SQLKit
import Synchronization

/// One of the pool's connections as the repositories see it: PostgresKit's `SQLDatabase`, except
/// that ``PreparedSQL`` statements run as named prepared statements, parsed and planned by the
/// server once per connection. An unnamed statement is parsed, analysed and planned again at
/// every run; in a flash sale that was more than a quarter of PostgreSQL's CPU.
final class PostgresSession: WrappingSession {
    private let connection: PostgresConnection
    /// PostgresKit's session on the connection, which runs every other statement.
    let wrapped: any SQLDatabase
    private let names: PreparedStatementNames

    init(_ connection: PostgresConnection, names: PreparedStatementNames) {
        self.connection = connection
        wrapped = connection.sql(queryLogLevel: nil)
        self.names = names
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        guard query is PreparedSQL else { return wrapped.execute(sql: query, onRow) }
        return eventLoop.makeFutureWithTask { try await self.execute(sql: query, onRow) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        guard query is PreparedSQL, let statement = try named(query) else {
            return try await wrapped.execute(sql: query, onRow)
        }
        do {
            try await NamedStatement.$text.withValue(statement.text) {
                for try await row in try await connection.execute(NamedStatement(bindings: statement.bindings), logger: logger) {
                    onRow(row.sql())
                }
            }
        } catch let error as PSQLError where Self.mayHaveFailedPreparing(error) {
            names.retire(statement.text.name)
            throw error
        }
    }

    /// Whether the server's `error` may have been its refusal to prepare the statement rather than
    /// to run it. PostgresNIO keeps a failed preparation's error for the connection's lifetime and
    /// answers every later run of that name with it; a refusal that says nothing of the statement
    /// (`25P02`: prepared for the first time in a transaction already failed; a cancellation, a
    /// lock not granted in time) would then fail the statement on that connection for good, so
    /// its name is retired and the next run prepares it afresh under another. Data, constraint
    /// and rollback errors (classes 22, 23 and 40) come only from running a statement.
    static func mayHaveFailedPreparing(_ error: PSQLError) -> Bool {
        guard error.code == .server, let state = error.serverInfo?[.sqlState] else { return false }
        return !["22", "23", "40"].contains(state.prefix(2))
    }

    /// The statement's name, text and binds; nil when it must run unnamed: a bind PostgresNIO
    /// cannot encode directly (PostgresKit's path encodes it through `Encodable`), or no name left.
    private func named(_ query: any SQLExpression) throws -> (text: NamedStatement.Text, bindings: PostgresBindings)? {
        let (sql, binds) = serialize(query)
        var bindings = PostgresBindings(capacity: binds.count)
        // The binds' types are part of the statement: it is prepared with the types of its first
        // run, and a value of another type (a NULL where there was text) needs a statement of its own.
        var types: [PostgresDataType] = []
        types.reserveCapacity(binds.count)
        for bind in binds {
            guard let type = try Self.append(bind, to: &bindings) else { return nil }
            types.append(type)
        }
        guard let name = names.name(sql: sql, bindTypes: types) else { return nil }
        return (NamedStatement.Text(name: name, sql: sql), bindings)
    }

    /// Appends `value` as PostgresKit would for a type PostgresNIO encodes directly; returns its
    /// type (`.null` for nil), or nil for a value it does not encode directly.
    private static func append<Value: Encodable>(_ value: Value, to bindings: inout PostgresBindings) throws -> PostgresDataType? {
        // `value as Any?` would wrap a nil in `.some`; an `Any` holding one matches `.none`.
        let boxed: Any = value
        if case Optional<Any>.none = boxed {
            bindings.appendNull()
            return .null
        }
        guard let value = value as? any PostgresThrowingDynamicTypeEncodable else { return nil }
        try bindings.append(value)
        return value.psqlType
    }
}

/// The names of the statements prepared on this process's connections, one per text and bind
/// types, the same on every connection (each prepares a statement the first time it runs it).
final class PreparedStatementNames: Sendable {
    /// Names given at most, retired ones included. PostgresNIO keeps a connection's prepared
    /// statements for its lifetime, so this also bounds what each connection and its server
    /// process hold.
    static let namesMax = 256

    private struct Statement: Hashable {
        var sql: String
        var bindTypes: [PostgresDataType]
    }

    private struct State {
        var names: [Statement: String] = [:]
        var given = 0
    }

    private let state = Mutex(State())

    /// The name of `sql` run with binds of `bindTypes`; nil once `namesMax` are given out.
    func name(sql: String, bindTypes: [PostgresDataType]) -> String? {
        let key = Statement(sql: sql, bindTypes: bindTypes)
        return state.withLock { state in
            if let name = state.names[key] { return name }
            guard state.given < Self.namesMax else { return nil }
            state.given += 1
            let name = "boxoffice_\(state.given)"
            state.names[key] = name
            return name
        }
    }

    /// Stops giving out `name`: its statement gets a new one the next time it runs.
    func retire(_ name: String) {
        state.withLock { state in
            if let key = state.names.first(where: { $0.value == name })?.key { state.names[key] = nil }
        }
    }
}

/// A statement for PostgresNIO's prepared-statement API, which knows a statement's name and text
/// by its type (static members); ours are known only when run, so they ride in a task-local
/// value. PostgresNIO reads them in the calling task, when it sends the statement (and again for
/// an error's description); were it to read them anywhere else it would find an empty name and
/// text, which the server refuses, so such a change would fail loudly rather than run anything.
struct NamedStatement: PostgresPreparedStatement {
    struct Text: Sendable {
        var name: String
        var sql: String
    }

    @TaskLocal static var text = Text(name: "", sql: "")

    static var name: String { text.name }
    static var sql: String { text.sql }

    let bindings: PostgresBindings

    func makeBindings() -> PostgresBindings { bindings }

    func decodeRow(_ row: PostgresRow) -> PostgresRow { row }
}
