import BoxOfficeStorage
import CoreMetrics
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// How notifications are sent: where mail goes, from whom, the site its links lead to, and
/// the worker's pace and patience.
public struct NotificationsConfiguration: Sendable {
    /// The address links in messages lead to (`http://127.0.0.1:8080`).
    public var siteURL: String
    public var from = MailMessage.Address(name: "Box Office", email: "tickets@boxoffice.local")
    public var pollInterval: Duration = .seconds(1)
    /// Messages claimed at once by one worker.
    public var batchMax = 50
    /// Messages of a batch being sent at the same time (each its own connection to the mail server).
    public var sendsAtOnceMax = 8
    /// How long a claimed message is this worker's; a worker that dies holding it loses it then.
    public var lease: Duration = .seconds(120)
    public var retry = RetryPolicy()
    /// How long a message sent (or skipped) is kept, for its delivery reports and for support's
    /// questions, before it is deleted.
    public var deliveredRetention: Duration = .seconds(30 * 86_400)

    public init(siteURL: String) {
        self.siteURL = siteURL
    }
}

/// Delivers the outbox: at least once, each message under a `Message-ID` of its own (so a
/// repeat after a crash is the same message to its receiver), retried with backoff, and
/// dead-lettered for an admin after the attempts allowed.
public final class NotificationService: Sendable {
    let database: Database
    public let campaigns: CampaignService
    let composer: MailComposer
    let mail: any MailTransport
    /// Where text messages go; none sends none.
    let sms: (any SMSTransport)?
    let configuration: NotificationsConfiguration
    let now: @Sendable () -> Date
    let logger: Logger
    let random: @Sendable () -> Double
    /// The site's address for links: configured, or learnt when the server picked its port.
    let siteURL: Mutex<String>

    /// Messages recorded as sent: a mail sent again after its first sending was not recorded
    /// (its folder could not be synced, say) counts once.
    let sentCounter: Counter
    let failedCounter: Counter
    let retriedCounter: Counter
    let deadCounter: Counter
    /// How long the oldest due message has waited, after each batch.
    let lagGauge: Gauge

    public static func make(
        database: Database, directory: any NotificationDirectory, mail: any MailTransport, sms: (any SMSTransport)? = nil,
        configuration: NotificationsConfiguration, unsubscribeLinks: UnsubscribeLinks,
        now: @escaping @Sendable () -> Date = Date.init, random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        metrics: any MetricsFactory = MetricsSystem.factory, logger: Logger
    ) async throws -> NotificationService {
        let host = URL(string: configuration.siteURL)?.host ?? "boxoffice.local"
        let campaigns = CampaignService(database: database, directory: directory, now: now)
        let composer = MailComposer(library: try await MailComposer.load(), directory: directory, from: configuration.from, domain: host,
                                    unsubscribeLinks: unsubscribeLinks, campaign: { try await campaigns.campaignForSending(id: $0) })
        return NotificationService(database: database, campaigns: campaigns, composer: composer, mail: mail, sms: sms,
                                   configuration: configuration, now: now, random: random, metrics: metrics, logger: logger)
    }

    init(database: Database, campaigns: CampaignService, composer: MailComposer, mail: any MailTransport, sms: (any SMSTransport)?,
         configuration: NotificationsConfiguration, now: @escaping @Sendable () -> Date, random: @escaping @Sendable () -> Double,
         metrics: any MetricsFactory, logger: Logger) {
        self.database = database
        self.campaigns = campaigns
        self.sms = sms
        self.composer = composer
        self.mail = mail
        self.configuration = configuration
        self.now = now
        self.random = random
        self.logger = logger
        siteURL = Mutex(configuration.siteURL)
        sentCounter = Counter(label: "notifications_sent_total", factory: metrics)
        failedCounter = Counter(label: "notifications_failed_total", factory: metrics)
        retriedCounter = Counter(label: "notifications_retried_total", factory: metrics)
        deadCounter = Counter(label: "notifications_dead_lettered_total", factory: metrics)
        lagGauge = Gauge(label: "notifications_lag_seconds", factory: metrics)
    }

    /// Links lead here from now on (when the listening port is known only once listening).
    public func useSiteURL(_ url: String) {
        siteURL.withLock { $0 = url }
    }

    /// Claims one batch of due messages and delivers each. Returns how many were claimed.
    @discardableResult
    public func deliverDue() async throws -> Int {
        let nowMs = now().millisecondsSince1970
        let engine = database.engine
        let claimed = try await database.write { session in
            try await OutboxRecords.claim(limit: self.configuration.batchMax, nowMs: nowMs,
                                          leaseMs: self.configuration.lease.milliseconds, engine: engine, on: session)
        }
        // The batch's recipients are read at once: one read waits its turn for the database,
        // not one per message (in a busy sale each such wait took most of a message's time).
        let deliveries: [(OutboxRecords.Row, Delivery)]
        do {
            let recipients = try await composer.directory.people(Array(Set(claimed.compactMap(\.recipientUserId))))
            deliveries = await madeDurable(await send(claimed, to: recipients, claimedAtMs: nowMs))
        } catch {
            let reason = "the recipients could not be looked up: \(error)"
            deliveries = claimed.map { ($0, failed($0, reason: reason, isTransient: true)) }
        }
        await record(deliveries)
        let oldestDueAtMs = try await database.withReadSession { try await OutboxRecords.oldestDue(nowMs: nowMs, on: $0) }
        lagGauge.record(Double(oldestDueAtMs.map { nowMs - $0 } ?? 0) / 1000)
        return claimed.count
    }

    /// Sends `claimed`, a few at a time, to the people `recipients` names by id.
    private func send(
        _ claimed: [OutboxRecords.Row], to recipients: [String: Person], claimedAtMs: Int64
    ) async -> [(OutboxRecords.Row, Delivery)] {
        // Past three quarters of the lease, the rest of the batch is left to run out and be
        // claimed again: a message sent after its lease ended could be sent by another worker too.
        let sendUntilMs = claimedAtMs + configuration.lease.milliseconds * 3 / 4
        return await withTaskGroup(of: (OutboxRecords.Row, Delivery).self, returning: [(OutboxRecords.Row, Delivery)].self) { group in
            var deliveries: [(OutboxRecords.Row, Delivery)] = []
            var sending = 0
            for row in claimed {
                if sending >= configuration.sendsAtOnceMax, let done = await group.next() {
                    deliveries.append(done)
                    sending -= 1
                }
                guard now().millisecondsSince1970 < sendUntilMs else { break }
                group.addTask { (row, await self.deliver(row, to: row.recipientUserId.flatMap { recipients[$0] })) }
                sending += 1
            }
            for await done in group { deliveries.append(done) }
            return deliveries
        }
    }

    /// What became of one message.
    struct Delivery {
        enum Outcome {
            /// With the provider's id for it, when it gives one (text messages).
            case sent(providerReference: String?)
            case skipped(reason: String)
            /// Tried again at `retryAtMs`, or dead-lettered when nil.
            case failed(error: String, retryAtMs: Int64?)
        }
        var outcome: Outcome
        /// The event goes to its recipient by text too: its text message is added to the outbox.
        var alsoByText = false

        /// Mail handed to the transport (a text message sent has the provider's id for it).
        var isMailSent: Bool {
            if case .sent(providerReference: nil) = outcome { true } else { false }
        }
    }

    /// - Parameter recipient: the person the message's recipient id names, as the directory had them.
    private func deliver(_ row: OutboxRecords.Row, to recipient: Person?) async -> Delivery {
        let failure: (message: String, isTransient: Bool)
        do {
            let alsoByText = sms != nil && composer.sendsText(topic: row.topic, recipient: recipient)
            switch try await composer.compose(id: row.id, topic: row.topic, recipientUserID: row.recipientUserId, recipient: recipient,
                                              payload: row.payload, createdAt: Date(millisecondsSince1970: row.createdAtMs),
                                              siteURL: siteURL.withLock { $0 }, now: now()) {
            case .skip(let reason):
                return Delivery(outcome: .skipped(reason: reason), alsoByText: alsoByText)
            case .mail(let message):
                try await mail.send(message)
                return Delivery(outcome: .sent(providerReference: nil), alsoByText: alsoByText)
            case .text(let message):
                guard let sms else { return Delivery(outcome: .skipped(reason: "no SMS provider is configured")) }
                let reference = try await sms.send(message)
                return Delivery(outcome: .sent(providerReference: reference))
            }
        } catch let error as DeliveryError {
            failure = (error.message, error.isTransient)
        } catch is DecodingError {
            failure = ("the message's payload is not one this version reads", false)
        } catch {
            failure = ("\(error)", true)
        }
        return failed(row, reason: failure.message, isTransient: failure.isTransient)
    }

    /// A failed attempt at `row`: tried again after the retry policy's delay when trying again
    /// may help and attempts are left, dead-lettered otherwise.
    private func failed(_ row: OutboxRecords.Row, reason: String, isTransient: Bool) -> Delivery {
        failedCounter.increment()
        let attempts = row.attempts + 1
        let delay = isTransient ? configuration.retry.delay(afterFailedAttempts: attempts, random: random()) : nil
        let retryAtMs = delay.map { now().millisecondsSince1970 + $0.milliseconds }
        if retryAtMs == nil { deadCounter.increment() } else { retriedCounter.increment() }
        logger.warning(retryAtMs == nil ? "notification dead-lettered" : "notification failed; will retry", metadata: [
            "message": "\(row.id)", "topic": "\(row.topic)", "attempt": "\(attempts)", "error": "\(reason)",
        ])
        return Delivery(outcome: .failed(error: reason, retryAtMs: retryAtMs))
    }

    /// The batch's mail, made durable by its transport before it is recorded as sent. If it
    /// cannot be, it is recorded as a failed attempt, sent again after its backoff under the same
    /// `Message-ID` (to a folder: the same file).
    private func madeDurable(_ deliveries: [(OutboxRecords.Row, Delivery)]) async -> [(OutboxRecords.Row, Delivery)] {
        guard deliveries.contains(where: \.1.isMailSent) else { return deliveries }
        do {
            try await mail.makeDurable()
            return deliveries
        } catch {
            return deliveries.map { row, delivery in
                delivery.isMailSent ? (row, failed(row, reason: error.message, isTransient: error.isTransient)) : (row, delivery)
            }
        }
    }

    /// Records a batch's outcomes in one transaction (one commit for the batch, and one statement
    /// for all the mail it sent). If that fails, the batch's lease runs out and its messages come
    /// due again: those sent are sent again, under the same `Message-ID`.
    private func record(_ deliveries: [(OutboxRecords.Row, Delivery)]) async {
        guard !deliveries.isEmpty else { return }
        let nowMs = now().millisecondsSince1970
        do {
            let mailSent = deliveries.filter(\.1.isMailSent).map(\.0.id)
            try await database.transaction { session in
                try await OutboxRecords.recordSent(ids: mailSent, nowMs: nowMs, on: session)
                for (row, delivery) in deliveries {
                    switch delivery.outcome {
                    case .sent(nil): break
                    case .sent(let reference?):
                        try await OutboxRecords.recordSent(id: row.id, providerReference: reference, nowMs: nowMs, on: session)
                    case .skipped(let reason): try await OutboxRecords.recordSkipped(id: row.id, reason: reason, nowMs: nowMs, on: session)
                    case .failed(let error, let retryAtMs):
                        try await OutboxRecords.recordFailure(id: row.id, error: error, retryAtMs: retryAtMs, on: session)
                    }
                    if delivery.alsoByText { try await OutboxRecords.addText(of: row, nowMs: nowMs, on: session) }
                }
            }
            sentCounter.increment(by: deliveries.count { if case .sent = $0.1.outcome { true } else { false } })
        } catch {
            logger.error("could not record a batch of notifications; they come due again when their lease ends", metadata: [
                "messages": "\(deliveries.count)", "error": "\(error)",
            ])
        }
    }

    // MARK: text messages' status reports

    /// The SMS provider's report on a message, if it is the provider's (its signature over `url`
    /// and the form). Whether it was taken.
    public func textStatusReport(url: String, form: [(String, String)], signature: String?) async throws -> TextStatusReport {
        guard let sms, sms.verifyStatusReport(url: url, form: form, signature: signature) else { return .forged }
        let fields = Dictionary(form, uniquingKeysWith: { first, _ in first })
        guard let reference = fields["MessageSid"], let status = fields["MessageStatus"], Self.textStatuses.contains(status) else {
            return .malformed
        }
        let known = try await database.withSession {
            try await OutboxRecords.recordDeliveryStatus(status, providerReference: reference, on: $0)
        }
        return known ? .recorded : .unknownMessage
    }

    public enum TextStatusReport: Sendable, Equatable {
        case recorded
        case unknownMessage
        case forged
        case malformed
    }

    /// The statuses a Twilio-compatible provider reports for a message.
    static let textStatuses: Set<String> = [
        "accepted", "scheduled", "queued", "sending", "sent", "delivered", "undelivered", "failed", "read", "canceled",
    ]

    // MARK: dead letters, for admins

    public struct DeadLetter: Sendable, Equatable {
        public var id: String
        public var topic: String
        public var recipientUserID: String?
        public var attempts: Int
        public var lastError: String?
        public var createdAt: Date
    }

    public static let deadLettersListedMax = 200

    /// Messages due and not yet sent, messages scheduled for later, dead letters, and how long
    /// the oldest due message has waited since it became due (a reminder waits from its time
    /// before the showtime, not from the booking that scheduled it).
    public func backlog() async throws -> (due: Int, scheduled: Int, dead: Int, oldestDueWaited: Duration?) {
        let nowMs = now().millisecondsSince1970
        return try await database.withReadSession { session in
            let counts = try await OutboxRecords.counts(nowMs: nowMs, on: session)
            let oldestDueAtMs = try await OutboxRecords.oldestDue(nowMs: nowMs, on: session)
            return (counts.due, counts.scheduled, counts.dead, oldestDueAtMs.map { .milliseconds(nowMs - $0) })
        }
    }

    public func deadLetters() async throws -> [DeadLetter] {
        try await database.withReadSession { session in
            try await OutboxRecords.deadLetters(limit: Self.deadLettersListedMax, on: session).map {
                DeadLetter(id: $0.id, topic: $0.topic, recipientUserID: $0.recipientUserId, attempts: $0.attempts, lastError: $0.lastError,
                           createdAt: Date(millisecondsSince1970: $0.createdAtMs))
            }
        }
    }

    /// Sends a dead letter again, from the first attempt. Whether there was such a dead letter.
    public func retry(id: String) async throws -> Bool {
        let nowMs = now().millisecondsSince1970
        return try await database.withSession { try await OutboxRecords.retry(id: id, nowMs: nowMs, on: $0) }
    }

    /// Deletes the messages delivered longer ago than
    /// ``NotificationsConfiguration/deliveredRetention`` (at most `batchesMax` batches of
    /// `batchMax`: the rest on the next call); returns how many.
    public func forgetOldMessages(batchMax: Int = Database.deletionBatchMax, batchesMax: Int = Database.deletionBatchesMax) async throws -> Int {
        let beforeMs = now().millisecondsSince1970 - configuration.deliveredRetention.milliseconds
        return try await database.deleteInBatches(batchMax: batchMax, batchesMax: batchesMax) { session, limit in
            try await OutboxRecords.forgetDelivered(before: beforeMs, limit: limit, on: session)
        }
    }

    public var mailDescription: String { mail.description }
    public var textDescription: String { sms?.description ?? "no text messages are sent (no SMS provider)" }
}

/// Runs the outbox worker: campaigns' next recipients added, then a batch whenever one is due,
/// at most every poll interval.
public struct OutboxWorker: Service {
    let notifications: NotificationService

    public init(notifications: NotificationService) {
        self.notifications = notifications
    }

    public func run() async throws {
        let interval = notifications.configuration.pollInterval
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await notifications.campaigns.fanOutPass()
                    // A full batch means more are waiting: go again at once.
                    let claimed = try await notifications.deliverDue()
                    if claimed >= notifications.configuration.batchMax { continue }
                } catch is CancellationError where Task.isCancelled {
                    return
                } catch {
                    notifications.logger.warning("outbox worker pass failed", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
