import BoxOfficeApp
import BoxOfficeStorage
import Foundation
import HTTPTypes
import SeatTestSupport
import Testing

@Suite("The outbox's backlog: messages due apart from those scheduled for later", .timeLimit(.minutes(2)))
struct OutboxBacklogTests {
    @Test(arguments: TestEngine.allCases)
    func aReminderForLaterIsNotWaitingAndTheWaitRunsFromWhenAMessageBecameDue(engine: TestEngine) async throws {
        try await Harness.withApp(engine) { client, components in
            let admin = try await AccountSteps(client: client, components: components).newAdmin()
            try await Self.untilNothingIsPending(components.database)

            // Claimed for an hour, as by a worker that holds them, so the application's own worker
            // leaves them be; waiting all the same.
            let nowMs = Date().millisecondsSince1970
            let day: Int64 = 86_400_000
            try await components.database.withSession { session in
                for (id, status, createdAtMs, dueAtMs) in [
                    ("reminder-due", OutboxStatus.pending, nowMs - 2 * day, nowMs - 30_000),
                    ("reminder-tomorrow", OutboxStatus.pending, nowMs - 3 * day, nowMs + day),
                    ("given-up", OutboxStatus.dead, nowMs - day, Int64(0)),
                ] {
                    try await session.raw("""
                        INSERT INTO outbox (id, topic, payload, created_at_ms, status, next_attempt_at_ms, claimed_until_ms)
                        VALUES (\(bind: id), 'booking.reminder', '{}', \(bind: createdAtMs), \(bind: status.rawValue), \(bind: dueAtMs),
                            \(bind: nowMs + 3_600_000))
                        """).run()
                }
            }

            let backlog = try await components.notifications.backlog()
            #expect(backlog.due == 1 && backlog.scheduled == 1 && backlog.dead == 1, "\(backlog)")
            // Since it became due (30 s ago), not since the booking that scheduled it (two days ago).
            let waited = try #require(backlog.oldestDueWaited)
            #expect(waited >= .seconds(30) && waited < .seconds(90), "\(waited)")

            let page = try await client.request(.get, "/admin/notifications", headers: [.cookie: "bo_access=\(admin.accessToken)"])
            #expect(page.status == .ok)
            let summary = try #require(page.text.firstMatch(of: #/Due and waiting: <strong>(\d+)</strong> \(the oldest for (\d+) s\) · Scheduled for later: <strong>(\d+)</strong> · Given up: <strong>(\d+)</strong>/#))
            #expect(summary.output.1 == "1" && summary.output.3 == "1" && summary.output.4 == "1", "\(summary.output.0)")
            #expect((30..<90).contains(Int(summary.output.2) ?? 0), "\(summary.output.0)")
        }
    }

    enum OutboxStatus: String {
        case pending, dead
    }

    /// Until the application's worker has handled whatever the set-up queued; 10 s at most.
    static func untilNothingIsPending(_ database: Database) async throws {
        for _ in 0..<200 {
            let pending = try await database.withSession { session in
                try await session.raw("SELECT COUNT(*) AS count FROM outbox WHERE status = 'pending'").first()?
                    .decode(column: "count", as: Int.self) ?? 0
            }
            if pending == 0 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("the set-up's messages were still pending after 10 s")
    }
}
