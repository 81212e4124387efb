@testable import BoxOfficeApp
import BoxOfficeEdge
import BoxOfficeStorage
import Foundation
import Logging
import SQLKit
import Synchronization
import Testing

@Suite("What is kept only for a while is deleted after it", .timeLimit(.minutes(2)))
struct RetentionTests {
    static let dayMs: Int64 = 86_400_000

    /// Five events received 31 days ago, past the inbox's 30, and one 29 days ago.
    @Test(arguments: TestEngine.allCases)
    func webhooksPastTheirRetentionAreForgottenInBoundedBatchesAndTheRestKept(engine: TestEngine) async throws {
        try await Harness.withApp(engine) { _, components in
            let nowMs = Date().millisecondsSince1970
            let received = (1...5).map { ("old-\($0)", nowMs - 31 * Self.dayMs) } + [("recent", nowMs - 29 * Self.dayMs)]
            try await components.database.withSession { session in
                for (eventID, receivedAtMs) in received {
                    try await session.insert(into: "webhook_inbox").columns("provider", "event_id", "event_type", "received_at_ms")
                        .values(SQLBind("sandbox"), SQLBind(eventID), SQLBind("payment.captured"), SQLBind(receivedAtMs)).run()
                }
            }
            // Two batches of two at most: the fifth is left for the next call.
            #expect(try await components.booking.forgetOldWebhooks(batchMax: 2, batchesMax: 2) == 4)
            #expect(try await components.booking.forgetOldWebhooks(batchMax: 2, batchesMax: 2) == 1)
            #expect(try await components.booking.forgetOldWebhooks() == 0)
            #expect(try await Self.ids(in: "webhook_inbox", column: "event_id", components.database) == ["recent"])
        }
    }

    /// Messages sent or skipped 31 days ago go; dead letters (an admin's to see), messages not
    /// yet sent, a campaign's messages (its report) and a recent one stay.
    @Test(arguments: TestEngine.allCases)
    func messagesDeliveredLongAgoAreDeletedButNotDeadLettersUnsentOnesOrACampaigns(engine: TestEngine) async throws {
        try await Harness.withApp(engine) { _, components in
            let nowMs = Date().millisecondsSince1970
            let old = nowMs - 31 * Self.dayMs
            // (id, status, delivered at, campaign); the unsent one is due in an hour, so the
            // application's own worker leaves it be.
            let messages: [(String, String, Int64?, String?)] = [
                ("sent-old", "sent", old, nil), ("skipped-old", "skipped", old, nil), ("sent-recent", "sent", nowMs - 29 * Self.dayMs, nil),
                ("dead-old", "dead", nil, nil), ("pending-old", "pending", nil, nil), ("campaign-old", "sent", old, "campaign-1"),
            ]
            try await components.database.withSession { session in
                for (id, status, deliveredAtMs, campaignID) in messages {
                    try await session.insert(into: "outbox")
                        .columns("id", "topic", "payload", "created_at_ms", "status", "next_attempt_at_ms", "delivered_at_ms", "campaign_id")
                        .values(SQLBind(id), SQLBind("booking.confirmed"), SQLBind("{}"), SQLBind(old), SQLBind(status),
                                SQLBind(nowMs + 3_600_000), SQLBind(deliveredAtMs), SQLBind(campaignID))
                        .run()
                }
            }
            #expect(try await components.notifications.forgetOldMessages(batchMax: 1) == 2)
            #expect(try await Self.ids(in: "outbox", column: "id", components.database)
                == ["campaign-old", "dead-old", "pending-old", "sent-recent"])
        }
    }

    /// Keys that expired go (the one expiring this very millisecond too), in batches; a key
    /// still valid stays.
    @Test(arguments: TestEngine.allCases)
    func expiredIdempotencyKeysAreDeletedAndValidOnesKept(engine: TestEngine) async throws {
        try await Harness.withDatabase(engine, migrations: [IdempotencyRecords.migrations]) { database in
            let nowMs: Int64 = 1_000_000
            try await database.withSession { session in
                for (key, expiresAtMs) in [("a", nowMs - 2), ("b", nowMs - 1), ("c", nowMs), ("d", nowMs + 1)] {
                    try await session.insert(into: "idempotency_keys")
                        .columns("scope", "idempotency_key", "request_hash", "created_at_ms", "expires_at_ms")
                        .values(SQLBind("user:1"), SQLBind(key), SQLBind("hash"), SQLBind(0), SQLBind(expiresAtMs)).run()
                }
            }
            let idempotency = IdempotencyMiddleware(database: database, now: { Date(millisecondsSince1970: nowMs) })
            #expect(try await idempotency.forgetExpiredKeys(batchMax: 2) == 3)
            #expect(try await Self.ids(in: "idempotency_keys", column: "idempotency_key", database) == ["d"])
        }
    }

    /// Every sweep runs each turn, whether or not one before it failed.
    @Test func aFailingSweepDoesNotStopTheOthers() async throws {
        struct Refused: Error {}
        let runs = Mutex<[String]>([])
        let housekeeping = Housekeeping(sweeps: [
            .init(name: "first") { runs.withLock { $0.append("first") }; return 3 },
            .init(name: "failing") { runs.withLock { $0.append("failing") }; throw Refused() },
            .init(name: "last") { runs.withLock { $0.append("last") }; return 0 },
        ], logger: Harness.logger)
        #expect(await housekeeping.sweepOnce() == [3, nil, 0])
        #expect(runs.withLock { $0 } == ["first", "failing", "last"])
    }

    static func ids(in table: String, column: String, _ database: Database) async throws -> [String] {
        try await database.withReadSession { session in
            try await session.select().column(column).from(table).orderBy(column).all().map { try $0.decode(column: column, as: String.self) }
        }
    }
}
