import BoxOfficeStorage
import Foundation
import SQLKit

/// The SQL of campaigns, and of their messages in the outbox. Every value is a bound parameter.
enum CampaignRecords {
    struct Row: Codable, Sendable {
        var id: String
        var kind: String
        var subject: String
        var body: String
        var linkPath: String?
        var audience: String
        var messagesPerSecond: Int
        var status: String
        var recipients: Int
        var audienceCursor: String
        var nextSlotMs: Int64
        var createdBy: String
        var createdAtMs: Int64
        var startedAtMs: Int64?
        var queuedAtMs: Int64?

        init(_ campaign: Campaign) throws {
            id = campaign.id
            kind = campaign.kind.rawValue
            subject = campaign.subject
            body = campaign.body
            linkPath = campaign.linkPath
            audience = String(decoding: try JSONEncoder().encode(campaign.audience), as: UTF8.self)
            messagesPerSecond = campaign.messagesPerSecond
            status = campaign.status.rawValue
            recipients = campaign.recipients
            audienceCursor = ""
            nextSlotMs = 0
            createdBy = campaign.createdBy
            createdAtMs = campaign.createdAt.millisecondsSince1970
            startedAtMs = campaign.startedAt?.millisecondsSince1970
            queuedAtMs = campaign.queuedAt?.millisecondsSince1970
        }

        func campaign() throws -> Campaign {
            Campaign(
                id: id, kind: Campaign.Kind(rawValue: kind) ?? .offer, subject: subject, body: body, linkPath: linkPath,
                audience: try JSONDecoder().decode(Audience.self, from: Data(audience.utf8)), messagesPerSecond: messagesPerSecond,
                status: Campaign.Status(rawValue: status) ?? .cancelled, recipients: recipients, createdBy: createdBy,
                createdAt: Date(millisecondsSince1970: createdAtMs), startedAt: startedAtMs.map(Date.init(millisecondsSince1970:)),
                queuedAt: queuedAtMs.map(Date.init(millisecondsSince1970:)))
        }
    }

    static func insert(_ row: Row, on session: any SQLDatabase) async throws {
        try await session.insert(into: "campaigns").model(row, keyEncodingStrategy: .convertToSnakeCase).run()
    }

    static func find(id: String, on session: any SQLDatabase) async throws -> Row? {
        try await session.select().column("*").from("campaigns").where("id", .equal, id)
            .first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    static func newest(limit: Int, on session: any SQLDatabase) async throws -> [Row] {
        try await session.select().column("*").from("campaigns").orderBy("created_at_ms", .descending).limit(limit)
            .all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    static func sending(limit: Int, on session: any SQLDatabase) async throws -> [Row] {
        try await session.select().column("*").from("campaigns").where("status", .equal, Campaign.Status.sending.rawValue)
            .orderBy("started_at_ms").limit(limit)
            .all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// Moves a campaign to `to` from one of `from`; whether it was in one of them.
    static func transition(id: String, from: [Campaign.Status], to: Campaign.Status, nowMs: Int64, on session: any SQLDatabase) async throws -> Bool {
        var update = session.update("campaigns").set("status", to: to.rawValue)
        if to == .sending { update = update.set("started_at_ms", to: nowMs).set("next_slot_ms", to: nowMs) }
        return try await update.where("id", .equal, id).where("status", .in, from.map(\.rawValue)).returning("id").first() != nil
    }

    /// Records one page of the fan-out, if nobody recorded it first: the cursor moves from
    /// `cursor` to `nextCursor` (nil: the list of people is done, and so is the campaign).
    static func advance(
        id: String, cursor: String, nextCursor: String?, added: Int, nextSlotMs: Int64, nowMs: Int64, on session: any SQLDatabase
    ) async throws -> Bool {
        var update = session.update("campaigns")
            .set("audience_cursor", to: nextCursor ?? cursor)
            .set(SQLIdentifier("recipients"), to: SQLBinaryExpression(SQLIdentifier("recipients"), .add, SQLBind(added)))
            .set("next_slot_ms", to: nextSlotMs)
        if nextCursor == nil { update = update.set("status", to: Campaign.Status.queued.rawValue).set("queued_at_ms", to: nowMs) }
        return try await update.where("id", .equal, id).where("status", .equal, Campaign.Status.sending.rawValue)
            .where("audience_cursor", .equal, cursor).returning("id").first() != nil
    }

    /// Adds the messages of one page; one a person already has from this campaign is not added again.
    static func enqueue(
        _ campaign: Campaign, recipients: [(userID: String, dueMs: Int64)], nowMs: Int64, on session: any SQLDatabase
    ) async throws {
        guard !recipients.isEmpty else { return }
        let payload = String(decoding: try JSONEncoder().encode(["campaignId": campaign.id]), as: UTF8.self)
        var insert = session.insert(into: "outbox")
            .columns("id", "topic", "recipient_user_id", "payload", "created_at_ms", "next_attempt_at_ms", "campaign_id")
        for recipient in recipients {
            insert = insert.values(
                SQLBind(messageID(campaign: campaign.id, userID: recipient.userID)), SQLBind(campaign.kind.topic), SQLBind(recipient.userID),
                SQLBind(payload), SQLBind(nowMs), SQLBind(recipient.dueMs), SQLBind(campaign.id))
        }
        try await insert.ignoringConflicts(with: "id").run()
    }

    /// One message per campaign and person, whoever adds it and however often.
    static func messageID(campaign: String, userID: String) -> String {
        "\(campaign).\(userID)"
    }

    /// The campaign's messages by delivery status.
    static func progress(id: String, on session: any SQLDatabase) async throws -> [String: Int] {
        let rows = try await session.raw("SELECT status, COUNT(*) AS n FROM outbox WHERE campaign_id = \(bind: id) GROUP BY status").all()
        var counts: [String: Int] = [:]
        for row in rows { counts[try row.decode(column: "status", as: String.self)] = try row.decode(column: "n", as: Int.self) }
        return counts
    }

    /// Withdraws the messages not yet sent; returns how many.
    static func withdraw(id: String, on session: any SQLDatabase) async throws -> Int {
        try await session.delete(from: "outbox").where("campaign_id", .equal, id).where("status", .equal, OutboxRecords.pending)
            .returning("id").all().count
    }
}
