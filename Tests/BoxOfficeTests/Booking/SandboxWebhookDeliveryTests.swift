@testable import BoxOfficeApp
import Synchronization
import Testing

@Suite("The sandbox's webhooks are handled several at a time, up to a limit", .timeLimit(.minutes(3)))
struct SandboxWebhookDeliveryTests {
    struct Counts {
        var inFlight = 0
        var inFlightMax = 0
        var delivered: Set<Int> = []
        var isGateOpen = false
    }

    @Test func deliveriesOverlapUpToTheLimitAndEveryOneIsDelivered() async throws {
        let (webhooks, sink) = AsyncStream.makeStream(of: Int.self)
        for webhook in 0..<40 { sink.yield(webhook) }
        sink.finish()
        let counts = Mutex(Counts())
        let deliveries = Task {
            await SandboxWebhookDelivery.deliver(webhooks, atOnceMax: 4) { webhook in
                counts.withLock { counts in
                    counts.inFlight += 1
                    counts.inFlightMax = max(counts.inFlightMax, counts.inFlight)
                }
                // Held until the test has seen how many are under way (10 s at most).
                for _ in 0..<10_000 where !counts.withLock({ $0.isGateOpen }) {
                    try? await Task.sleep(for: .milliseconds(1))
                }
                counts.withLock { counts in
                    counts.inFlight -= 1
                    counts.delivered.insert(webhook)
                }
            }
        }
        for _ in 0..<5_000 where counts.withLock({ $0.inFlight }) < 4 {
            try await Task.sleep(for: .milliseconds(1))
        }
        // With four held, the rest wait for one of them to end.
        try await Task.sleep(for: .milliseconds(50))
        #expect(counts.withLock { $0.inFlight } == 4)
        counts.withLock { $0.isGateOpen = true }
        await deliveries.value
        let result = counts.withLock { $0 }
        #expect(result.inFlightMax == 4)
        #expect(result.delivered == Set(0..<40))
    }
}
