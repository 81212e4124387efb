import NIOCore
import SQLKit
import Synchronization

/// The session ``Database/write(_:)`` hands its body: it runs one statement and refuses a
/// second before sending it. On PostgreSQL that statement is a transaction by itself, so a
/// second one would not share its fate.
final class SingleStatementSession: WrappingSession {
    let wrapped: any SQLDatabase
    private let statementsBegun = Atomic<Int>(0)

    init(_ session: any SQLDatabase) {
        wrapped = session
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        guard isFirstStatement() else { return eventLoop.makeFailedFuture(DatabaseError.secondStatementInSingleWrite) }
        return wrapped.execute(sql: query, onRow)
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        guard isFirstStatement() else { throw DatabaseError.secondStatementInSingleWrite }
        try await wrapped.execute(sql: query, onRow)
    }

    private func isFirstStatement() -> Bool {
        statementsBegun.wrappingAdd(1, ordering: .relaxed).oldValue == 0
    }
}
