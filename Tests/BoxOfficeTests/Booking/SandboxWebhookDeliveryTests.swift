@testable import BoxOfficeApp
import Synchronization
import Testing

@Suite("The sandbox's webhooks are handled several at a time, up to a limit", .timeLimit(.minutes(3)))
struct SandboxWebhookDeliveryTests {
    struct Counts {
        var inFlight = 0
        var inFlightMax = 0
        var delivered: Set<Int> = []
    }

    @Test func deliveriesOverlapUpToTheLimitAndEveryOneIsDelivered() async throws {
        let (webhooks, sink) = AsyncStream.makeStream(of: Int.self)
        for webhook in 0..<40 { sink.yield(webhook) }
        sink.finish()
        let (started, startedSignal) = AsyncStream.makeStream(of: Void.self)
        let gate = Gate()
        let counts = Mutex(Counts())
        let deliveries = Task {
            await SandboxWebhookDelivery.deliver(webhooks, atOnceMax: 4) { webhook in
                counts.withLock { counts in
                    counts.inFlight += 1
                    counts.inFlightMax = max(counts.inFlightMax, counts.inFlight)
                }
                startedSignal.yield()
                // Held until the test has seen how many are under way.
                await gate.wait()
                counts.withLock { counts in
                    counts.inFlight -= 1
                    counts.delivered.insert(webhook)
                }
            }
        }
        var starts = started.makeAsyncIterator()
        for _ in 0..<4 { await starts.next() }
        // With four held, the rest wait for one of them to end.
        try await Task.sleep(for: .milliseconds(50))
        #expect(counts.withLock { $0.inFlight } == 4)
        gate.open()
        await deliveries.value
        let result = counts.withLock { $0 }
        #expect(result.inFlightMax == 4)
        #expect(result.delivered == Set(0..<40))
    }
}
