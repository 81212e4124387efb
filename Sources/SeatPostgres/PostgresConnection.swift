import CLibPQ

#if canImport(Glibc)
import Glibc
#endif

/// One libpq connection. Every call blocks its thread until PostgreSQL answers, so a
/// connection belongs to one thread of its own (the persister's, a command's), never an event
/// loop's; it is not `Sendable` for that reason.
///
/// Statements take their values only as parameters (`$1`, `$2`…), sent apart from the SQL
/// text, so no value is ever spliced into SQL.
public final class PostgresConnection {
    private let handle: OpaquePointer

    /// Connects with a libpq connection string or URL (`postgresql://user@host:port/db?sslmode=require`).
    /// Every libpq setting in it is honoured, `sslmode` and `connect_timeout` among them.
    public init(url: String) throws(PostgresError) {
        guard let handle = PQconnectdb(url) else {
            throw PostgresError(kind: .connection, message: "libpq could not allocate a connection", context: "connect")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = Self.message(of: handle)
            PQfinish(handle)
            throw PostgresError(kind: .connection, message: message, context: "connect")
        }
        self.handle = handle
        // libpq prints the server's notices (a migration's "already exists, skipping") on
        // standard error; only warnings and worse are worth that.
        _ = try execute("SET client_min_messages TO warning")
    }

    deinit {
        PQfinish(handle)
    }

    /// Whether the connection still works as far as libpq knows (it learns of a break only
    /// when a call fails).
    public var isUsable: Bool { PQstatus(handle) == CONNECTION_OK }

    /// Runs one statement with text parameters (`nil` is SQL NULL) and returns its rows.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [(any PostgresParameter)?] = []) throws(PostgresError) -> PostgresRows {
        let texts = parameters.map { $0?.postgresText }
        let result = Self.withCStrings(texts) { values in
            PQexecParams(handle, sql, Int32(values.count), nil, values, nil, nil, 0)
        }
        return try PostgresRows(checking: result, of: self, context: sql)
    }

    /// Runs SQL that may hold several statements, none with parameters (migrations).
    public func executeScript(_ sql: String) throws(PostgresError) {
        _ = try PostgresRows(checking: PQexec(handle, sql), of: self, context: sql)
    }

    /// `COPY … FROM STDIN` with `data` in the statement's format (text by default: one row per
    /// line, tab-separated; see ``CopyRows``); returns the rows copied.
    @discardableResult
    public func copy(_ statement: String, data: [UInt8]) throws(PostgresError) -> Int {
        let start = PQexec(handle, statement)
        defer { PQclear(start) }
        guard PQresultStatus(start) == PGRES_COPY_IN else {
            // Consume the error into a typed one.
            throw failure(of: start, context: statement)
        }
        let sent = data.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { PQputCopyData(handle, $0.baseAddress, Int32($0.count)) }
        }
        guard sent == 1, PQputCopyEnd(handle, nil) == 1 else {
            drainResults()
            throw PostgresError(kind: .connection, message: Self.message(of: handle), context: statement)
        }
        var copied = 0
        var firstFailure: PostgresError?
        while let result = PQgetResult(handle) {
            defer { PQclear(result) }
            if PQresultStatus(result) == PGRES_COMMAND_OK {
                copied = Int(String(cString: PQcmdTuples(result))) ?? 0
            } else if firstFailure == nil {
                firstFailure = failure(of: result, context: statement)
            }
        }
        if let firstFailure { throw firstFailure }
        return copied
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    public func transaction<Value>(_ body: () throws -> Value) throws -> Value {
        try execute("BEGIN")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            // A broken connection takes its transaction with it; nothing to roll back then.
            if isUsable { _ = try? execute("ROLLBACK") }
            throw error
        }
    }

    /// Prepares a statement under `name`, for ``sendPrepared(_:_:)``; before pipeline mode.
    public func prepare(_ name: String, _ sql: String) throws(PostgresError) {
        _ = try PostgresRows(checking: PQprepare(handle, name, sql, 0, nil), of: self, context: sql)
    }

    /// Enters pipeline mode: statements are sent without waiting for answers, and answered in
    /// the order sent (``sendPrepared(_:_:)``, ``nextPipelinedResult()``).
    public func enterPipelineMode() throws(PostgresError) {
        guard PQenterPipelineMode(handle) == 1 else {
            throw PostgresError(kind: .connection, message: Self.message(of: handle), context: "entering pipeline mode")
        }
    }

    /// Pipeline mode: sends a prepared statement as a transaction of its own (a sync point
    /// follows it, so one statement's failure aborts no other) and flushes it to the server.
    public func sendPrepared(_ name: String, _ parameters: [(any PostgresParameter)?]) throws(PostgresError) {
        let queued = Self.withCStrings(parameters.map { $0?.postgresText }) { values in
            PQsendQueryPrepared(handle, name, Int32(values.count), values, nil, nil, 0)
        }
        guard queued == 1, PQpipelineSync(handle) == 1 else {
            throw PostgresError(kind: .connection, message: Self.message(of: handle), context: "sending \(name)")
        }
    }

    /// Pipeline mode: waits for the answer to the oldest statement sent and not yet answered.
    /// A failed statement throws its error; the pipeline stays usable for the next.
    public func nextPipelinedResult(context: String) throws(PostgresError) -> PostgresRows {
        guard let result = PQgetResult(handle) else {
            throw PostgresError(kind: .connection, message: Self.message(of: handle), context: context)
        }
        let rows = Result { () throws(PostgresError) -> PostgresRows in
            try PostgresRows(checking: result, of: self, context: context)
        }
        // The statement's results end with a null, then its sync point.
        while let trailing = PQgetResult(handle) { PQclear(trailing) }
        if let sync = PQgetResult(handle) {
            defer { PQclear(sync) }
            guard PQresultStatus(sync) == PGRES_PIPELINE_SYNC else {
                throw PostgresError(kind: .protocolViolation, message: "expected the end of a pipelined statement", context: context)
            }
        } else {
            throw PostgresError(kind: .connection, message: Self.message(of: handle), context: context)
        }
        return try rows.get()
    }

    /// The error a failed result carries, with its SQLSTATE.
    func failure(of result: OpaquePointer?, context: String) -> PostgresError {
        let sqlState = result.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "C"))) }.map { String(cString: $0) }
        let message = result.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "M"))) }.map { String(cString: $0) }
        let kind: PostgresError.Kind = isUsable ? .statement : .connection
        return PostgresError(
            kind: kind, sqlState: sqlState, message: message ?? Self.message(of: handle),
            context: Self.summary(of: context))
    }

    private func drainResults() {
        while let result = PQgetResult(handle) { PQclear(result) }
    }

    private static func message(of handle: OpaquePointer) -> String {
        String(cString: PQerrorMessage(handle)).trimmingTrailingWhitespace
    }

    /// The first line of a statement, shortened: enough to say which one failed.
    static func summary(of sql: String) -> String {
        let line = sql.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? sql
        return line.count > 80 ? String(line.prefix(80)) + "…" : line
    }

    private static func withCStrings<Result>(
        _ strings: [String?],
        _ body: ([UnsafePointer<CChar>?]) -> Result
    ) -> Result {
        let pointers: [UnsafeMutablePointer<CChar>?] = strings.map { $0.map { strdup($0) } }
        defer { pointers.forEach { free($0) } }
        return body(pointers.map { $0.map { UnsafePointer($0) } })
    }
}

/// The rows a statement returned, read as text.
public struct PostgresRows {
    public let count: Int
    /// Rows a statement changed (`UPDATE`, `INSERT`, `DELETE`, `COPY`).
    public let affected: Int
    private let values: [[String?]]

    init(checking result: OpaquePointer?, of connection: PostgresConnection, context: String) throws(PostgresError) {
        defer { PQclear(result) }
        guard let result else {
            throw connection.failure(of: nil, context: context)
        }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            throw connection.failure(of: result, context: context)
        }
        let rows = Int(PQntuples(result))
        let columns = Int(PQnfields(result))
        values = (0..<rows).map { row in
            (0..<columns).map { column in
                PQgetisnull(result, Int32(row), Int32(column)) == 1
                    ? nil : String(cString: PQgetvalue(result, Int32(row), Int32(column)))
            }
        }
        count = rows
        affected = Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    public subscript(row: Int, column: Int) -> String? { values[row][column] }

    /// The value at `row`, `column` as an integer; throws for NULL or text that is not one.
    public func integer<Value: FixedWidthInteger>(_ row: Int, _ column: Int, as type: Value.Type = Int64.self) throws(PostgresError) -> Value {
        guard let text = values[row][column], let value = Value(text) else {
            throw PostgresError(
                kind: .protocolViolation, message: "expected an integer at row \(row), column \(column), got \(values[row][column] ?? "NULL")",
                context: "reading a result")
        }
        return value
    }
}

/// A value sent as a statement parameter, in PostgreSQL's text form.
public protocol PostgresParameter {
    var postgresText: String { get }
}

extension String: PostgresParameter {
    public var postgresText: String { self }
}

extension Int: PostgresParameter {
    public var postgresText: String { String(self) }
}

extension Int64: PostgresParameter {
    public var postgresText: String { String(self) }
}

extension Int32: PostgresParameter {
    public var postgresText: String { String(self) }
}

extension Bool: PostgresParameter {
    public var postgresText: String { self ? "true" : "false" }
}

extension Array: PostgresParameter where Element: FixedWidthInteger {
    /// An array literal, `{1,2,3}`: only for integers, which need no quoting.
    public var postgresText: String { "{" + map { String($0) }.joined(separator: ",") + "}" }
}

extension String {
    fileprivate var trimmingTrailingWhitespace: String {
        var text = self
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return text
    }
}
