import BoxOfficeApp
import BoxOfficeStorage
import Foundation
import HTTPTypes
@testable import Notifications
import SQLKit
import SeatTestSupport
import Testing

@Suite("The outbox's backlog: messages due apart from those scheduled for later, claimed in order", .timeLimit(.minutes(2)))
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
                    ("reminder-due", OutboxRecords.pending, nowMs - 2 * day, nowMs - 30_000),
                    ("reminder-tomorrow", OutboxRecords.pending, nowMs - 3 * day, nowMs + day),
                    ("given-up", OutboxRecords.dead, nowMs - day, Int64(0)),
                ] {
                    try await session.raw("""
                        INSERT INTO outbox (id, topic, payload, created_at_ms, status, next_attempt_at_ms, claimed_until_ms)
                        VALUES (\(bind: id), 'booking.reminder', '{}', \(bind: createdAtMs), \(bind: status), \(bind: dueAtMs),
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

            // A message due at once (next attempt 0) has waited since it was created: 45 s, older
            // than the reminder's 30.
            try await components.database.withSession { session in
                try await session.raw("""
                    INSERT INTO outbox (id, topic, payload, created_at_ms, status, next_attempt_at_ms, claimed_until_ms)
                    VALUES ('confirmation', 'booking.confirmed', '{}', \(bind: nowMs - 45_000), \(bind: OutboxRecords.pending), 0,
                        \(bind: nowMs + 3_600_000))
                    """).run()
            }
            let withConfirmation = try await components.notifications.backlog()
            #expect(withConfirmation.due == 2, "\(withConfirmation)")
            let longest = try #require(withConfirmation.oldestDueWaited)
            #expect(longest >= .seconds(45) && longest < .seconds(90), "\(longest)")
        }
    }

    /// Messages due at once all have next_attempt_at_ms 0, and a batch of reminders may share one
    /// moment: only the creation time orders them, so an index without it made every claim sort
    /// the whole due backlog.
    @Test(arguments: TestEngine.allCases)
    func aClaimReadsTheDueMessagesInIndexOrderInsteadOfSortingThemAll(engine: TestEngine) async throws {
        try await Harness.withApp(engine) { _, components in
            // Two thousand messages that all come due at the same moment, an hour from now (so the
            // application's own worker leaves them be), and a claim asked for two hours from now.
            let nowMs = Date().millisecondsSince1970
            let dueAtMs = nowMs + 3_600_000
            let plan = try await components.database.withSession { session in
                for block in 0..<2 {
                    var insert = session.insert(into: "outbox").columns("id", "topic", "payload", "created_at_ms", "next_attempt_at_ms")
                    for index in 0..<1_000 {
                        insert = insert.values(SQLBind("due-\(block)-\(index)"), SQLBind("booking.confirmed"), SQLBind("{}"),
                                               SQLBind(nowMs - Int64(block * 1_000 + index)), SQLBind(dueAtMs))
                    }
                    try await insert.run()
                }
                let first = OutboxRecords.dueFirst(limit: 50, nowMs: dueAtMs + 3_600_000, engine: components.database.engine)
                switch components.database.engine {
                case .sqlite:
                    return try await session.raw("EXPLAIN QUERY PLAN \(first)").all().map { try $0.decode(column: "detail", as: String.self) }
                case .postgres:
                    try await session.raw("ANALYZE outbox").run()
                    return try await session.raw("EXPLAIN \(first)").all().map { try $0.decode(column: "QUERY PLAN", as: String.self) }
                }
            }
            #expect(plan.contains { $0.contains("outbox_due_in_order") }, "\(plan)")
            #expect(!plan.contains { $0.contains("TEMP B-TREE") || $0.contains("Sort") }, "the due messages were sorted: \(plan)")
        }
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
