import DequeModule
import SQLKit
import Synchronization

/// Commits concurrent transactions on SQLite's single writer together: one `BEGIN IMMEDIATE`,
/// the transactions' bodies one after another, one `COMMIT` (so one `fsync` of the log) for all.
///
/// Each caller still gets its own transaction's outcome: when a body throws, its caller gets the
/// error and the others commit without it (the batch is rolled back and run again without that
/// body, this time each body in a savepoint of its own); nobody hears of success before the
/// shared `COMMIT` is durable, and if it fails, every body in the batch fails with it. A body
/// sees the changes of the bodies before it in its batch, exactly as it would have seen them
/// committed one by one, so the bodies' order is a valid serial order. Since a body may run
/// twice, it must do nothing but its statements (as ``Database/transaction(_:)`` requires).
///
/// Batches form by themselves: while one batch runs, new transactions wait; the first waiter
/// then leads the next batch with everything that arrived meanwhile. Alone, a transaction is
/// committed as it always was.
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
        var reruns = 0
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

    /// Whether a batch is running or waiting for the connection (for tests).
    var isLeading: Bool { state.withLock { $0.isLeading } }

    /// Batches run, the transactions they carried, and the batches run again after a body threw,
    /// since the start.
    var totals: (batches: Int, transactions: Int, reruns: Int) { state.withLock { ($0.batches, $0.transactions, $0.reruns) } }

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
    ///
    /// The batch runs in a task of its own: it carries other callers' transactions, so the
    /// leader's cancellation must not reach it (code in a body that checks for cancellation would
    /// fail everyone's with a `CancellationError` they never asked for).
    private func lead(_ first: @escaping Body) async -> Outcome {
        await Task { await self.runBatch(first) }.value
    }

    private func runBatch(_ first: @escaping Body) async -> Outcome {
        let taken = Mutex<[Waiter]>([])
        var outcomes: [Outcome]
        do {
            outcomes = try await lender { connection in
                let batch = self.takeBatch()
                taken.withLock { $0 = batch }
                return try await self.run([first] + batch.map(\.body), on: connection)
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
    ///
    /// The bodies first run back to back with nothing between them: a savepoint around each
    /// costs two statements per transaction, more than most bodies' own. Bodies rarely throw;
    /// when one does, the transaction is rolled back, that body gets its error, and the others
    /// run again, each in a savepoint so that a second failure undoes only its own body.
    private func run(_ bodies: [Body], on connection: any SQLDatabase) async throws -> [Outcome] {
        try await connection.raw("BEGIN IMMEDIATE").run()
        var failed: (index: Int, error: any Error)?
        var values: [any Sendable] = []
        do {
            for (index, body) in bodies.enumerated() {
                do {
                    values.append(try await body(connection))
                } catch {
                    failed = (index, error)
                    break
                }
            }
            if failed == nil {
                try await connection.raw("COMMIT").run()
                return values.map { .success($0) }
            }
            // A statement of the failed body may have ended the transaction itself (a full disk):
            // then there is nothing to roll back, and the savepoint round reports what fails.
            try? await connection.raw("ROLLBACK").run()
        } catch {
            try? await connection.raw("ROLLBACK").run()
            throw error
        }
        guard let failed else { preconditionFailure("the first round ends in a commit or a failure") }
        let others = bodies.enumerated().filter { $0.offset != failed.index }.map(\.element)
        // Alone, a transaction that throws is simply rolled back.
        guard !others.isEmpty else { return [.failure(failed.error)] }
        state.withLock { $0.reruns += 1 }
        var outcomes = try await Self.runInSavepoints(others, on: connection)
        outcomes.insert(.failure(failed.error), at: failed.index)
        return outcomes
    }

    /// One transaction for all of `bodies`, each in a savepoint: a body that throws is undone
    /// alone and gets its error.
    private static func runInSavepoints(_ bodies: [Body], on connection: any SQLDatabase) async throws -> [Outcome] {
        try await connection.raw("BEGIN IMMEDIATE").run()
        var outcomes: [Outcome] = []
        do {
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
            try await connection.raw("COMMIT").run()
        } catch {
            try? await connection.raw("ROLLBACK").run()
            throw error
        }
        return outcomes
    }
}
