import BoxOfficeStorage
import Foundation
import Synchronization

/// Campaigns from draft to the outbox: admins write, start and cancel them; the fan-out adds
/// their recipients page by page, each page and the campaign's cursor in one transaction, so a
/// crash resumes where it stopped and two instances never add a person twice (one message id
/// per campaign and person).
public final class CampaignService: Sendable {
    let database: Database
    let directory: any NotificationDirectory
    let now: @Sendable () -> Date
    /// Campaigns read for sending, reused briefly (a campaign's messages all need it).
    private let sendingCache = Mutex(BoundedDictionary<String, (campaign: Campaign, readAtMs: Int64)>(
        entriesMax: CampaignService.sendingCacheEntriesMax))

    /// People read per page of the fan-out, and pages per campaign per pass.
    static let pageSize = 100
    static let pagesPerPass = 20
    /// Campaigns fanned out per pass; campaigns listed for admins.
    static let campaignsPerPass = 10
    public static let campaignsListedMax = 100
    /// How long a campaign read for sending is reused: a cancellation stops its messages within this.
    static let sendingCacheLifetimeMs: Int64 = 5_000
    static let sendingCacheEntriesMax = 64

    public init(database: Database, directory: any NotificationDirectory, now: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.directory = directory
        self.now = now
    }

    // MARK: for admins

    public struct Progress: Sendable, Equatable {
        public var campaign: Campaign
        /// Messages by delivery status: pending, sent, skipped (no consent any more), dead.
        public var messages: [String: Int]
    }

    public func create(_ draft: CampaignDraft, by userID: String) async throws -> Campaign {
        let draft = try CampaignRules.checked(draft)
        let campaign = Campaign(
            id: UUID.timeOrderedID(), kind: draft.kind, subject: draft.subject, body: draft.body, linkPath: draft.linkPath,
            audience: draft.audience ?? Audience(), messagesPerSecond: draft.messagesPerSecond ?? CampaignRules.messagesPerSecondDefault,
            status: .draft, recipients: 0, createdBy: userID, createdAt: now())
        let row = try CampaignRecords.Row(campaign)
        try await database.withSession { try await CampaignRecords.insert(row, on: $0) }
        return campaign
    }

    public func campaigns() async throws -> [Campaign] {
        try await database.withReadSession { try await CampaignRecords.newest(limit: Self.campaignsListedMax, on: $0) }.map { try $0.campaign() }
    }

    public func progress(id: String) async throws -> Progress {
        try await database.withReadSession { session in
            guard let row = try await CampaignRecords.find(id: id, on: session) else { throw CampaignError.campaignNotFound }
            return Progress(campaign: try row.campaign(), messages: try await CampaignRecords.progress(id: id, on: session))
        }
    }

    /// Starts sending a draft.
    public func start(id: String) async throws -> Progress {
        let nowMs = now().millisecondsSince1970
        try await database.transaction { session in
            guard let row = try await CampaignRecords.find(id: id, on: session) else { throw CampaignError.campaignNotFound }
            guard try await CampaignRecords.transition(id: id, from: [.draft], to: .sending, nowMs: nowMs, on: session) else {
                throw CampaignError.notDraft(status: Campaign.Status(rawValue: row.status) ?? .cancelled)
            }
        }
        return try await progress(id: id)
    }

    /// Stops a campaign: its messages not yet sent are withdrawn. Cancelling again changes nothing.
    public func cancel(id: String) async throws -> Progress {
        let nowMs = now().millisecondsSince1970
        try await database.transaction { session in
            guard let row = try await CampaignRecords.find(id: id, on: session) else { throw CampaignError.campaignNotFound }
            guard row.status != Campaign.Status.cancelled.rawValue else { return }
            _ = try await CampaignRecords.transition(id: id, from: [.draft, .sending, .queued], to: .cancelled, nowMs: nowMs, on: session)
            _ = try await CampaignRecords.withdraw(id: id, on: session)
        }
        sendingCache.withLock { _ = $0.removeValue(forKey: id) }
        return try await progress(id: id)
    }

    // MARK: the fan-out

    /// Adds the next pages of recipients of every campaign being sent; returns how many messages it added.
    @discardableResult
    public func fanOutPass() async throws -> Int {
        let rows = try await database.withReadSession { try await CampaignRecords.sending(limit: Self.campaignsPerPass, on: $0) }
        var added = 0
        for row in rows {
            let campaign = try row.campaign()
            var cursor = row.audienceCursor, nextSlotMs = row.nextSlotMs
            for _ in 0..<Self.pagesPerPass {
                let page = try await directory.audience(after: cursor.isEmpty ? nil : cursor, limit: Self.pageSize)
                let chosen = page.members.filter(campaign.audience.includes)
                let nowMs = now().millisecondsSince1970
                let start = max(nowMs, nextSlotMs)
                let recipients = chosen.enumerated().map { index, member in
                    (userID: member.userID, dueMs: CampaignRules.slotMs(start: start, index: index, messagesPerSecond: campaign.messagesPerSecond))
                }
                let pageEndMs = CampaignRules.slotMs(start: start, index: chosen.count, messagesPerSecond: campaign.messagesPerSecond)
                let recorded = try await database.transaction { [cursor] session in
                    guard try await CampaignRecords.advance(
                        id: campaign.id, cursor: cursor, nextCursor: page.nextCursor, added: recipients.count, nextSlotMs: pageEndMs,
                        nowMs: nowMs, on: session)
                    else { return false }
                    try await CampaignRecords.enqueue(campaign, recipients: recipients, nowMs: nowMs, on: session)
                    return true
                }
                // Not recorded: another instance took this page, or the campaign was cancelled.
                guard recorded else { break }
                added += recipients.count
                guard let next = page.nextCursor else { break }
                cursor = next
                nextSlotMs = pageEndMs
            }
        }
        return added
    }

    /// The campaign a message belongs to, as it stands (read again after a few seconds).
    func campaignForSending(id: String) async throws -> Campaign? {
        let nowMs = now().millisecondsSince1970
        if let cached = sendingCache.withLock({ $0[id] }), nowMs - cached.readAtMs < Self.sendingCacheLifetimeMs {
            return cached.campaign
        }
        guard let campaign = try await database.withReadSession({ try await CampaignRecords.find(id: id, on: $0) })?.campaign() else {
            return nil
        }
        sendingCache.withLock { cache in
            cache.set((campaign, nowMs), for: id, droppingWhenFull: { nowMs - $0.readAtMs >= Self.sendingCacheLifetimeMs })
        }
        return campaign
    }
}
