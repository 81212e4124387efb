import ServiceLifecycle
import Synchronization

/// Holds whoever waits until it opens; after that, nobody waits. The application opens one when
/// its tables are migrated (see ``AfterMigrations``).
final class Gate: Sendable {
    private struct State {
        var isOpen = false
        var nextWaiter = 0
        var waiting: [Int: AsyncStream<Never>.Continuation] = [:]
    }

    private let state = Mutex(State())

    var isOpen: Bool { state.withLock { $0.isOpen } }

    /// Those waiting now (for tests).
    var waitingCount: Int { state.withLock { $0.waiting.count } }

    func open() {
        let waiting = state.withLock { state in
            state.isOpen = true
            defer { state.waiting = [:] }
            return state.waiting.values
        }
        for waiter in waiting { waiter.finish() }
    }

    /// Returns once the gate is open, or as soon as the task is cancelled.
    func wait() async {
        let (opened, continuation) = AsyncStream<Never>.makeStream()
        let waiter = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        // A waiter cancelled before the gate opens leaves nothing behind.
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.waiting.removeValue(forKey: waiter) }
        }
        let isOpen = state.withLock { state in
            if !state.isOpen { state.waiting[waiter] = continuation }
            return state.isOpen
        }
        guard !isOpen else { return }
        for await _ in opened {}
    }
}

/// Runs `service` once the gate opens; ends without running it when shut down before.
///
/// The application migrates its tables as its server starts, while its other services are
/// already running: those that read or write tables wait for the migrations, rather than query
/// tables that may not exist yet.
struct AfterMigrations: Service, CustomStringConvertible {
    let migrated: Gate
    let service: any Service

    /// The service's own name, as the service group logs it.
    var description: String { "\(service) (after the migrations)" }

    func run() async throws {
        await cancelWhenGracefulShutdown { await migrated.wait() }
        guard migrated.isOpen, !Task.isCancelled else { return }
        try await service.run()
    }
}
