@testable import BoxOfficeApp
import ServiceLifecycle
import Synchronization
import Testing

@Suite("Services that use tables start once the tables are migrated", .timeLimit(.minutes(1)))
struct GateTests {
    /// Counts its runs, and says when it has run.
    final class Probe: Service {
        let runs = Mutex(0)
        let (ran, ranSignal) = AsyncStream.makeStream(of: Void.self)

        func run() async throws {
            runs.withLock { $0 += 1 }
            ranSignal.yield()
        }
    }

    @Test func aServiceWaitsForTheGateAndRunsOnceItOpens() async throws {
        let migrated = Gate()
        let probe = Probe()
        let service = Task { try await AfterMigrations(migrated: migrated, service: probe).run() }
        try await Self.untilWaiting(migrated)
        #expect(probe.runs.withLock { $0 } == 0, "not run while the gate is shut")
        migrated.open()
        for await _ in probe.ran { break }
        try await service.value
        #expect(probe.runs.withLock { $0 } == 1)
        #expect("\(AfterMigrations(migrated: migrated, service: probe))".hasPrefix("\(probe)"), "named after its service in logs")
        // Open, the gate holds nobody.
        await migrated.wait()
    }

    @Test func aServiceCancelledBeforeTheGateOpensNeverRuns() async throws {
        let migrated = Gate()
        let probe = Probe()
        let service = Task { try await AfterMigrations(migrated: migrated, service: probe).run() }
        try await Self.untilWaiting(migrated)
        service.cancel()
        try await service.value
        #expect(migrated.waitingCount == 0, "a cancelled waiter leaves nothing behind")
        migrated.open()
        #expect(probe.runs.withLock { $0 } == 0)
    }

    /// Returns once someone waits at `gate` (within 10 s).
    static func untilWaiting(_ gate: Gate) async throws {
        for _ in 0..<10_000 where gate.waitingCount == 0 { try await Task.sleep(for: .milliseconds(1)) }
        #expect(gate.waitingCount == 1)
    }
}
