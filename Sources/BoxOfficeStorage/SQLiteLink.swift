import Glibc
import NIOCore
import SQLKit
import SQLiteKit
import SQLiteNIO
import Synchronization
// The SQLite library sqlite-nio builds and links: the same copy, since two copies of SQLite in
// one process do not see each other's locks on a file and can corrupt it.
import VaporCSQLite

/// One open SQLite connection and the statements it has prepared, kept for their next run.
///
/// sqlite-nio compiles every statement again at each run and sends each one to a thread pool
/// and its answer through an event loop: two wake-ups of other threads per statement, on the
/// writer's path too. A link instead runs statements synchronously on the thread that calls
/// it, which is always its connection's own (``ConnectionThread``, never the cooperative pool),
/// and keeps up to ``statementsMax`` compiled statements by their text.
///
/// Not thread-safe by itself: it is used only on its connection's thread, one statement at a time.
final class SQLiteLink: @unchecked Sendable {
    /// Compiled statements kept per connection; past it, the least recently used is finalized.
    /// A booking runs about sixteen distinct texts, each kept once.
    static let statementsMax = 64

    private var handle: OpaquePointer?
    private var statements: [String: CachedStatement] = [:]
    /// Counts runs, to know which cached statement was used least recently.
    private var runs: UInt64 = 0

    private static let initialized = Mutex(false)

    /// Opens (creating when missing) the database file at `path`.
    init(path: String) throws(SQLiteFailure) {
        // sqlite3_initialize races with itself on first use; once, under a lock, as sqlite-nio does.
        Self.initialized.withLock { initialized in
            if !initialized {
                sqlite_nio_sqlite3_initialize()
                initialized = true
            }
        }
        var opened: OpaquePointer?
        // NOMUTEX: the link is used by one thread at a time (its own), so SQLite's own
        // per-connection mutex would only cost.
        let flags = SQLITE_OPEN_CREATE | SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let code = sqlite_nio_sqlite3_open_v2(path, &opened, flags, nil)
        guard code == SQLITE_OK else {
            let failure = SQLiteFailure(code: code, message: opened.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "out of memory",
                                        sql: "open \(path)")
            sqlite_nio_sqlite3_close_v2(opened)
            throw failure
        }
        handle = opened
    }

    /// Compiled statements kept now (for tests).
    var cachedStatementCount: Int { statements.count }

    /// Runs `sql` with `binds` (`?1`, `?2`, ... in order), calling `onRow` for each result row.
    func run(_ sql: String, _ binds: [SQLiteData], _ onRow: (SQLiteResultRow) -> Void) throws(SQLiteFailure) {
        guard let handle else { throw SQLiteFailure(code: SQLITE_MISUSE, message: "the connection is closed", sql: sql) }
        let statement = try statement(for: sql, on: handle)
        defer { finish(statement) }
        for (offset, bind) in binds.enumerated() {
            try check(statement.bind(bind, at: Int32(offset + 1)), sql: sql)
        }
        var columns: SQLiteColumnNames?
        while true {
            let code = sqlite_nio_sqlite3_step(statement.pointer)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else { throw failure(code, sql: sql) }
            let names = columns ?? statement.currentColumns()
            columns = names
            onRow(SQLiteResultRow(columns: names, values: statement.currentValues()))
        }
    }

    /// Finalizes every statement and closes the connection.
    func close() {
        for statement in statements.values { sqlite_nio_sqlite3_finalize(statement.pointer) }
        statements.removeAll()
        sqlite_nio_sqlite3_close_v2(handle)
        handle = nil
    }

    deinit {
        if handle != nil { close() }
    }

    /// The cached statement for `sql`, or a newly compiled one (cached, and the least recently
    /// used one finalized when the cache is full).
    private func statement(for sql: String, on handle: OpaquePointer) throws(SQLiteFailure) -> CachedStatement {
        runs += 1
        if let cached = statements[sql] {
            cached.lastRun = runs
            return cached
        }
        var compiled: OpaquePointer?
        let code = sqlite_nio_sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &compiled, nil)
        guard code == SQLITE_OK, let compiled else {
            sqlite_nio_sqlite3_finalize(compiled)
            throw failure(code == SQLITE_OK ? SQLITE_MISUSE : code, sql: sql)
        }
        if statements.count >= Self.statementsMax, let oldest = statements.min(by: { $0.value.lastRun < $1.value.lastRun }) {
            sqlite_nio_sqlite3_finalize(oldest.value.pointer)
            statements[oldest.key] = nil
        }
        let statement = CachedStatement(compiled, lastRun: runs)
        statements[sql] = statement
        return statement
    }

    /// Readies a statement for its next run: a statement left unreset would keep its read
    /// snapshot (and hold back checkpoints) and its bound values.
    private func finish(_ statement: CachedStatement) {
        sqlite_nio_sqlite3_reset(statement.pointer)
        sqlite_nio_sqlite3_clear_bindings(statement.pointer)
    }

    private func check(_ code: Int32, sql: String) throws(SQLiteFailure) {
        guard code == SQLITE_OK else { throw failure(code, sql: sql) }
    }

    private func failure(_ code: Int32, sql: String) -> SQLiteFailure {
        SQLiteFailure(code: code, message: handle.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "the connection is closed", sql: sql)
    }
}

/// A compiled statement and the names of its result's columns as last seen.
private final class CachedStatement {
    let pointer: OpaquePointer
    var lastRun: UInt64
    private var columns = SQLiteColumnNames(names: [])

    init(_ pointer: OpaquePointer, lastRun: UInt64) {
        self.pointer = pointer
        self.lastRun = lastRun
    }

    func bind(_ value: SQLiteData, at index: Int32) -> Int32 {
        switch value {
        case .integer(let value): sqlite_nio_sqlite3_bind_int64(pointer, index, Int64(value))
        case .float(let value): sqlite_nio_sqlite3_bind_double(pointer, index, value)
        case .text(let value):
            sqlite_nio_sqlite3_bind_text64(pointer, index, value, UInt64(value.utf8.count), sqliteTransient, UInt8(SQLITE_UTF8))
        case .blob(let value):
            value.withUnsafeReadableBytes { bytes in
                sqlite_nio_sqlite3_bind_blob64(pointer, index, bytes.baseAddress, UInt64(bytes.count), sqliteTransient)
            }
        case .null: sqlite_nio_sqlite3_bind_null(pointer, index)
        }
    }

    /// The result's column names, once a row is there. SQLite compiles a statement again when
    /// the schema changed (during a step), which may change them (`SELECT *`), so the kept names
    /// are compared with the statement's own, without copying them, at every run.
    func currentColumns() -> SQLiteColumnNames {
        let count = Int(sqlite_nio_sqlite3_column_count(pointer))
        let isCurrent = count == columns.names.count && (0..<count).allSatisfy { index in
            guard let name = sqlite_nio_sqlite3_column_name(pointer, Int32(index)) else { return false }
            return columns.names[index].withCString { strcmp($0, name) == 0 }
        }
        if !isCurrent {
            columns = SQLiteColumnNames(names: (0..<count).map { index in
                sqlite_nio_sqlite3_column_name(pointer, Int32(index)).map { String(cString: $0) } ?? ""
            })
        }
        return columns
    }

    func currentValues() -> [SQLiteData] {
        (0..<sqlite_nio_sqlite3_column_count(pointer)).map { index in
            switch sqlite_nio_sqlite3_column_type(pointer, index) {
            case SQLITE_INTEGER:
                return .integer(Int(sqlite_nio_sqlite3_column_int64(pointer, index)))
            case SQLITE_FLOAT:
                return .float(sqlite_nio_sqlite3_column_double(pointer, index))
            case SQLITE_TEXT:
                // By its length, not up to a NUL: text may hold one.
                let bytes = UnsafeRawBufferPointer(start: sqlite_nio_sqlite3_column_text(pointer, index),
                                                   count: Int(sqlite_nio_sqlite3_column_bytes(pointer, index)))
                return .text(String(decoding: bytes, as: UTF8.self))
            case SQLITE_BLOB:
                let bytes = UnsafeRawBufferPointer(start: sqlite_nio_sqlite3_column_blob(pointer, index),
                                                   count: Int(sqlite_nio_sqlite3_column_bytes(pointer, index)))
                return .blob(ByteBuffer(bytes: bytes))
            default:
                return .null
            }
        }
    }
}

/// SQLite's "copy the value now" destructor for bound text and blobs.
private let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A statement's result columns, shared by its rows.
final class SQLiteColumnNames: Sendable {
    let names: [String]
    let offsets: [String: Int]

    init(names: [String]) {
        self.names = names
        // The first of two same-named columns answers to the name, as in sqlite-nio.
        offsets = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }
}

/// One result row, as SQLKit reads rows.
struct SQLiteResultRow: SQLRow {
    let columns: SQLiteColumnNames
    let values: [SQLiteData]
    /// Decodes values as SQLiteKit does (JSON for nested types); one for all rows, as decoding keeps no state.
    private static let decoder = SQLiteDataDecoder()

    var allColumns: [String] { columns.names }

    func contains(column: String) -> Bool { columns.offsets[column] != nil }

    func decodeNil(column: String) throws -> Bool {
        columns.offsets[column].map { values[$0] == .null } ?? true
    }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        guard let offset = columns.offsets[column] else {
            throw DecodingError.valueNotFound(D.self, .init(codingPath: [], debugDescription: "the row has no column \(column)"))
        }
        return try Self.decoder.decode(D.self, from: values[offset])
    }
}

/// SQLite's refusal of a statement: its (extended) result code and message, and the statement.
public struct SQLiteFailure: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let message: String
    public let sql: String

    public var description: String { "SQLite error \(code) (\(message)) in: \(sql)" }
}
