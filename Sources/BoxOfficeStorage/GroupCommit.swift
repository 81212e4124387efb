import DequeModule
import SQLKit
import Synchronization

/// Commits concurrent transactions on SQLite's single writer together: one `BEGIN IMMEDIATE`,
/// each transaction in a savepoint of its own, one `COMMIT` (so one `fsync` of the log) for all.
///
/// Each caller still gets its own transaction's outcome: a body that throws is rolled back to
/// its savepoint and its caller gets the error, while the others commit; nobody hears of success
/// before the shared `COMMIT` is durable, and if it fails, every body in the batch fails with it.
/// A body sees the changes of the bodies before it in its batch, exactly as it would have seen
/// them committed one by one, so the bodies' order is a valid serial order.
///
/// Batches form by themselves: while one batch runs, new transactions wait; the first waiter
/// then leads the next batch with everything that arrived meanwhile. Alone, a transaction is
/// committed as it always was, without a savepoint.
final class GroupCommit: Sendable {
    /// Transactions in one batch at most, so a batch's first caller is not kept waiting long.
    static let batchMax = 64

    typealias Body = @Sendable (any SQLDatabase) async throws -> any Sendable
    typealias Outcome = Result<any Sendable, any Error>
    /// Lends the connection for one batch.
    typealias Lender = @Sendable (@escaping @Sendable (any SQLDatabase) async throws -> [Outcome]) async throws -> [Outcome]

    private enum Turn: Sendable {
        case lead
        case finished(Outcome)
    }

    private struct Waiter: Sendable {
        let body: Body
        let continuation: CheckedContinuation<Turn, Never>
    }

    private enum Decision { case lead, wait, refuse }

    private struct State {
        var isLeading = false
        var waiters = Deque<Waiter>()
        var batches = 0
        var transactions = 0
    }

    private let state = Mutex(State())
    private let lender: Lender
    let waitersMax: Int

    init(waitersMax: Int, lender: @escaping Lender) {
        self.waitersMax = waitersMax
        self.lender = lender
    }

    /// Transactions waiting for the next batch (for tests).
    var waiterCount: Int { state.withLock { $0.waiters.count } }

    /// Batches run and the transactions they carried, since the start.
    var totals: (batches: Int, transactions: Int) { state.withLock { ($0.batches, $0.transactions) } }

    /// Runs `body` in a transaction, alone or in a batch.
    func transaction<Result: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> Result) async throws -> Result {
        let erased: Body = { try await body($0) }
        let waitersMax = waitersMax
        let turn = await withCheckedContinuation { (continuation: CheckedContinuation<Turn, Never>) in
            let decision: Decision = state.withLock { state in
                guard state.isLeading else {
                    state.isLeading = true
                    return .lead
                }
                guard state.waiters.count < waitersMax else { return .refuse }
                state.waiters.append(Waiter(body: erased, continuation: continuation))
                return .wait
            }
            switch decision {
            case .lead: continuation.resume(returning: .lead)
            case .refuse: continuation.resume(returning: .finished(.failure(DatabaseError.overloaded(waitersMax: waitersMax))))
            case .wait: break
            }
        }
        let outcome = switch turn {
        case .finished(let outcome): outcome
        case .lead: await lead(erased)
        }
        // The erased result is the body's own, so the cast cannot fail.
        return try outcome.get() as! Result
    }

    /// Runs `first` with the waiters that fit in a batch once the connection is lent (so the
    /// batch takes everyone who arrived while it waited for it), answers them, and hands the
    /// lead to the next waiter (or gives it up when nobody waits).
    private func lead(_ first: @escaping Body) async -> Outcome {
        let taken = Mutex<[Waiter]>([])
        var outcomes: [Outcome]
        do {
            outcomes = try await lender { connection in
                let batch = self.takeBatch()
                taken.withLock { $0 = batch }
                return try await Self.run([first] + batch.map(\.body), on: connection)
            }
        } catch {
            outcomes = [.failure(error)] + taken.withLock { $0 }.map { _ in .failure(error) }
        }
        let batch = taken.withLock { $0 }
        let next: Waiter? = state.withLock { state in
            if let next = state.waiters.popFirst() { return next }
            state.isLeading = false
            return nil
        }
        for (waiter, outcome) in zip(batch, outcomes.dropFirst()) { waiter.continuation.resume(returning: .finished(outcome)) }
        next?.continuation.resume(returning: .lead)
        return outcomes[0]
    }

    /// Takes the waiters that join the leader's batch.
    private func takeBatch() -> [Waiter] {
        state.withLock { state in
            let count = min(state.waiters.count, Self.batchMax - 1)
            state.batches += 1
            state.transactions += count + 1
            defer { state.waiters.removeFirst(count) }
            return Array(state.waiters.prefix(count))
        }
    }

    /// One transaction for all of `bodies`; throws (so that all fail) when the transaction as a
    /// whole could not be committed.
    private static func run(_ bodies: [Body], on connection: any SQLDatabase) async throws -> [Outcome] {
        try await connection.raw("BEGIN IMMEDIATE").run()
        var outcomes: [Outcome] = []
        do {
            if bodies.count == 1 {
                outcomes.append(try await .success(bodies[0](connection)))
            } else {
                for body in bodies {
                    try await connection.raw("SAVEPOINT member").run()
                    do {
                        let value = try await body(connection)
                        try await connection.raw("RELEASE member").run()
                        outcomes.append(.success(value))
                    } catch {
                        // If SQLite rolled the whole transaction back itself (a full disk, say),
                        // the savepoint is gone: this throws, and the batch fails as a whole.
                        try await connection.raw("ROLLBACK TO member").run()
                        try await connection.raw("RELEASE member").run()
                        outcomes.append(.failure(error))
                    }
                }
            }
            try await connection.raw("COMMIT").run()
        } catch {
            try? await connection.raw("ROLLBACK").run()
            throw error
        }
        return outcomes
    }
}
