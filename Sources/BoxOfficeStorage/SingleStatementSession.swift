import Logging
import NIOCore
import SQLKit
import Synchronization

/// The session ``Database/write(_:)`` hands its body: it runs one statement and refuses a
/// second before sending it. On PostgreSQL that statement is a transaction by itself, so a
/// second one would not share its fate.
final class SingleStatementSession: SQLDatabase {
    private let session: any SQLDatabase
    private let statementsBegun = Atomic<Int>(0)

    init(_ session: any SQLDatabase) {
        self.session = session
    }

    var logger: Logger { session.logger }
    var eventLoop: any EventLoop { session.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { session.version }
    var dialect: any SQLDialect { session.dialect }
    var queryLogLevel: Logger.Level? { session.queryLogLevel }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        guard isFirstStatement() else { return eventLoop.makeFailedFuture(DatabaseError.secondStatementInSingleWrite) }
        return session.execute(sql: query, onRow)
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        guard isFirstStatement() else { throw DatabaseError.secondStatementInSingleWrite }
        try await session.execute(sql: query, onRow)
    }

    private func isFirstStatement() -> Bool {
        statementsBegun.wrappingAdd(1, ordering: .relaxed).oldValue == 0
    }
}
