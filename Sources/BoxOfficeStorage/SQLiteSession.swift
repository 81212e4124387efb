import Logging
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit
import SQLiteNIO

/// An SQLite connection as the repositories see it (SQLKit's `SQLDatabase`): statements are
/// serialized in SQLite's dialect, their values encoded as SQLiteKit does, and run on the
/// connection's thread by its ``SQLiteLink``.
struct SQLiteSession: SQLDatabase {
    let link: SQLiteLink
    let thread: ConnectionThread
    let logger: Logger
    private let encoder = SQLiteDataEncoder()

    init(link: SQLiteLink, thread: ConnectionThread, logger: Logger) {
        self.link = link
        self.thread = thread
        self.logger = logger
    }

    /// Only the legacy futures API uses it.
    var eventLoop: any EventLoop { MultiThreadedEventLoopGroup.singleton.any() }
    var version: (any SQLDatabaseReportedVersion)? { nil }
    var dialect: any SQLDialect { SQLiteDialect() }
    var queryLogLevel: Logger.Level? { nil }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        let (sql, values) = serialize(query)
        let binds = try values.map { try encoder.encode($0) }
        let link = link
        try await thread.run { try link.run(sql, binds) { onRow($0) } }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        promise.completeWithTask { try await self.execute(sql: query, onRow) }
        return promise.futureResult
    }

    func withSession<Result>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> Result) async throws -> Result {
        try await body(self)
    }
}
