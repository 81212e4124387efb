import Foundation
import SeatClient
import SeatJournal
import SeatProtocol
import SeatTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What the server does when its disk fails, end to end over the wire, with failures injected
/// through ``StorageFaults``: a failed sync stops the journal, the connection waiting on it is
/// closed unanswered, new changes are refused with STORAGE_UNAVAILABLE, reads go on, and a
/// snapshot request answers its error; a failed snapshot leaves the journal working.
@Suite(.timeLimit(.minutes(2))) struct StorageFaultTests {
    @Test func aFailedSyncStopsChangesButNotReads() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let faults = StorageFaults()
        let server = try await TestServer.start(journal: JournalSetting(directory: directory.path, faults: faults))
        let waiting = try await server.connection()
        _ = try await waiting.hold([1], show: 0, for: .seconds(60))

        faults.fail(.fsync)
        await #expect(throws: SeatClientError.connectionClosed, "an answer that waited for the failed sync never leaves") {
            _ = try await waiting.hold([2], show: 0, for: .seconds(60))
        }
        let other = try await server.connection(key: TestServer.adminKey)
        let counts = try await other.availability(show: 0).counts
        #expect(counts.held == 2, "reads go on: the held seats in memory, the one never acknowledged included")
        await #expect("a new change is refused") {
            _ = try await other.hold([3], show: 0, for: .seconds(60))
        } throws: { error in
            (error as? SeatClientError)?.code == .storageUnavailable
        }
        let batch = try await other.batch([.hold(HoldRequest(show: 0, holdMilliseconds: 60_000, seats: [5]))])
        guard case .failure(let refusal) = batch.first else {
            Issue.record("a batch of changes was answered as if the journal took them: \(batch)")
            return
        }
        #expect(refusal.code == .storageUnavailable, "a batch is answered too, not left waiting on the failed journal")
        await #expect("a snapshot is refused") {
            _ = try await other.snapshot()
        } throws: { error in
            (error as? SeatClientError)?.code == .storageUnavailable
        }
        #expect(try await other.availability(show: 0).counts.held == 2, "the refused change changed nothing")
        faults.heal(.fsync)
        await #expect(throws: SeatClientError.self, "a healed disk does not restart a stopped journal") {
            _ = try await other.hold([4], show: 0, for: .seconds(60))
        }
        try await server.stop()
    }

    @Test(arguments: [StorageFaults.Operation.rename, .write])
    func aFailedSnapshotAnswersItsErrorAndTheJournalGoesOn(failing operation: StorageFaults.Operation) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let faults = StorageFaults()
        let server = try await TestServer.start(journal: JournalSetting(directory: directory.path, faults: faults))
        let admin = try await server.connection(key: TestServer.adminKey)
        _ = try await admin.hold([1], show: 0, for: .seconds(60))
        faults.fail(operation)
        // The journal's own writes share the fault while it lasts; the snapshot is asked for
        // with nothing new to journal, so only its file meets the fault.
        await #expect {
            _ = try await admin.snapshot()
        } throws: { error in
            guard case .refused(let reply) = error as? SeatClientError else { return false }
            return reply.code == .storageUnavailable && reply.message.contains("snapshot failed")
        }
        faults.heal(operation)
        let snapshots = try FileManager.default.contentsOfDirectory(atPath: directory.path + "/snapshots")
        #expect(snapshots.isEmpty, "no snapshot and no temporary file is left behind: \(snapshots)")
        _ = try await admin.hold([2], show: 0, for: .seconds(60))
        let taken = try await admin.snapshot()
        #expect(taken.startLSN >= 3)
        try await server.stop()
    }

    /// While the disk is slow, a subscriber's seat events wait behind its answer that waits for
    /// the journal; past the per-connection bound they are dropped and counted, and the
    /// subscriber sees the gap in their numbers, rather than the server buffering without end.
    @Test func eventsParkedBehindASlowJournalAreBounded() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let faults = StorageFaults()
        let server = try await TestServer.start(
            parkedEventBytesMax: 400, journal: JournalSetting(directory: directory.path, faults: faults))
        let subscriber = try await server.connection()
        let first = try await subscriber.subscribe(show: 0)
        let holder = try await server.connection()
        let reader = try await server.connection(key: TestServer.readerKey)
        faults.stall(.fsync, for: .seconds(60))
        // The subscriber's own hold waits for the stalled sync; once the engine has it, 40 holds
        // elsewhere each send the subscriber an event, which must queue behind that answer.
        async let parked = subscriber.hold([1], show: 0, for: .seconds(60))
        try await Self.waitUntilHeld(1, reader: reader)
        let holds = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for seat in 10..<50 { group.addTask { _ = try await holder.hold([UInt32(seat)], show: 0, for: .seconds(60)) } }
                try await group.waitForAll()
            }
        }
        try await Self.waitUntilHeld(41, reader: reader)
        faults.heal(.fsync)
        try await holds.value
        _ = try await parked
        let statistics = Dictionary(uniqueKeysWithValues: try await holder.stats().map { ($0.name, $0.value) })
        #expect((statistics["events_dropped"] ?? 0) > 0, "\(statistics)")
        // One more change once the journal is quick again: 42 were numbered, the subscriber got
        // the first few and this last one, and the jump between them shows what it missed.
        _ = try await holder.hold([60], show: 0, for: .seconds(60))
        let received = await Self.sequences(of: subscriber, through: first + 41, within: .seconds(20))
        #expect(received.first == first && received.last == first + 41 && received.count < 42, "\(received)")
        #expect(zip(received, received.dropFirst()).contains { $1 != $0 + 1 }, "a gap shows the events missed: \(received)")
        #expect(try await subscriber.ping(token: 5) == 5)
        try await server.stop()
    }

    /// The sequence numbers of the events `connection` receives until one reaches `last`, or
    /// until `timeLimit` passes, so a missing event fails the test instead of hanging it.
    static func sequences(of connection: SeatConnection, through last: UInt64, within timeLimit: Duration) async -> [UInt64] {
        await withTaskGroup(of: [UInt64]?.self) { group in
            group.addTask {
                var received: [UInt64] = []
                for await event in connection.events {
                    received.append(event.sequence)
                    if event.sequence >= last { break }
                }
                return received
            }
            group.addTask {
                try? await Task.sleep(for: timeLimit)
                return nil
            }
            var received: [UInt64] = []
            for await result in group {
                if let result { received = result }
                group.cancelAll()
            }
            return received
        }
    }

    /// Waits (at most 30 s) until show 0 has `count` seats held; reads are not held back by
    /// the journal, so this sees holds whose answers still wait.
    static func waitUntilHeld(_ count: Int, reader: SeatConnection) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while try await reader.availability(show: 0).counts.held < count {
            try #require(ContinuousClock.now < deadline, "fewer than \(count) seats held after 30 s")
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
