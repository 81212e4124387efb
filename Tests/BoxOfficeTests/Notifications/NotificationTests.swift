import BoxOfficeApp
import BoxOfficeStorage
import Crypto
import Foundation
import Logging
import MetricsTestKit
@testable import Notifications
import SeatTestSupport
import Synchronization
import Testing

@Suite("Mail as it leaves: MIME, encoded headers, backoff")
struct MailFormatTests {
    static let message = MailMessage(
        from: .init(name: "Box Office", email: "tickets@boxoffice.local"), to: .init(name: "Zoë Ångström", email: "zoe@example.com"),
        subject: "Your tickets for Amélie — Saturday", text: "Hello Zoë,\nseats A1 & A2.\n.\n", html: "<p>Hello Zoë</p>",
        messageID: "<m1@boxoffice.local>", date: Date(timeIntervalSince1970: 1_764_500_000))

    @Test func aMessageIsMIMEWithEncodedHeadersCRLFAndShortLines() throws {
        let wire = String(decoding: Self.message.rendered(), as: UTF8.self)
        let lines = wire.components(separatedBy: "\r\n")
        #expect(!wire.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "no bare line feed")
        #expect(lines.allSatisfy { $0.utf8.count <= 78 }, "no line over 78 characters")
        #expect(lines.allSatisfy { $0.utf8.allSatisfy { $0 < 0x80 } }, "7-bit on the wire")
        #expect(wire.contains("Subject: =?utf-8?B?"))
        #expect(wire.contains("Message-ID: <m1@boxoffice.local>"))
        #expect(wire.contains("Date: Sun, 30 Nov 2025 10:53:20 +0000"))
        #expect(wire.contains("To: =?utf-8?B?") && wire.contains("<zoe@example.com>"))
        // The parts decode back to the words, the text's dot line included.
        let boundary = try #require(wire.firstMatch(of: #/boundary="([^"]+)"/#)?.output.1)
        let parts = wire.components(separatedBy: "--\(boundary)").dropFirst().dropLast()
        let bodies = parts.map { part in
            let encoded = part.components(separatedBy: "\r\n\r\n").dropFirst().joined().replacingOccurrences(of: "\r\n", with: "")
            return String(decoding: Data(base64Encoded: encoded) ?? Data(), as: UTF8.self)
        }
        #expect(bodies == [Self.message.text, Self.message.html])
    }

    @Test func theDateHeaderIsEnglishUTCWithTwoDigitFields() {
        #expect(MailMessage.rfc5322Date(Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 +0000")
        // 2026-03-05T04:05:06.9Z: fractions of a second are dropped, not rounded up.
        #expect(MailMessage.rfc5322Date(Date(timeIntervalSince1970: 1_772_683_506.9)) == "Thu, 05 Mar 2026 04:05:06 +0000")
        #expect(MailMessage.rfc5322Date(Date(timeIntervalSince1970: 1_798_761_599)) == "Thu, 31 Dec 2026 23:59:59 +0000")
    }

    @Test func encodedWordsDecodeToTheTextAndLineBreaksCannotGetIn() throws {
        let subject = String(repeating: "Überraschung ", count: 8) + "\r\nBcc: victim@example.com"
        let encoded = MailMessage.encodedWord(subject)
        let words = encoded.components(separatedBy: "\r\n ")
        #expect(words.allSatisfy { $0.count <= 75 && $0.hasPrefix("=?utf-8?B?") && $0.hasSuffix("?=") })
        let decoded = words.map { String(decoding: Data(base64Encoded: String($0.dropFirst(10).dropLast(2)))!, as: UTF8.self) }.joined()
        #expect(decoded == subject.replacingOccurrences(of: "\r\n", with: ""))
        #expect(MailMessage.encodedWord("Plain subject") == "Plain subject")
        #expect(MailMessage.header(.init(name: "Eve <x>", email: "eve@example.com\r\nBcc: a@b")) .hasSuffix("<eve@example.comBcc: a@b>"))
    }

    @Test func aSubjectsPlaceholdersAreFilledInOnePassAndValuesAreNotSearched() {
        #expect(MailComposer.fill("Reminder: {movie}, {when}", with: ["movie": "Heat", "when": "today"]) == "Reminder: Heat, today")
        // Values that look like placeholders stay as written: replacing key by key, in either
        // order, would turn one into the other.
        #expect(MailComposer.fill("{movie} at {when}", with: ["movie": "{when}", "when": "{movie}"]) == "{when} at {movie}")
        #expect(MailComposer.fill("{unknown} {movie} {", with: ["movie": "Heat"]) == "{unknown} Heat {")
        #expect(MailComposer.fill("no placeholders", with: ["movie": "Heat"]) == "no placeholders")
        #expect(MailComposer.fill("{{movie}}", with: ["movie": "Heat"]) == "{Heat}")
    }

    @Test func retriesBackOffExponentiallyWithJitterUpToTheCapThenStop() {
        var policy = RetryPolicy()
        policy.base = .seconds(10)
        policy.cap = .seconds(60)
        policy.attemptsMax = 5
        #expect(policy.delay(afterFailedAttempts: 1, random: 0) == .seconds(5))
        #expect(policy.delay(afterFailedAttempts: 1, random: 1) == .seconds(10))
        #expect(policy.delay(afterFailedAttempts: 2, random: 1) == .seconds(20))
        #expect(policy.delay(afterFailedAttempts: 3, random: 0.5) == .seconds(30))
        #expect(policy.delay(afterFailedAttempts: 4, random: 1) == .seconds(60))
        #expect(policy.delay(afterFailedAttempts: 5, random: 1) == nil)
    }
}

/// A transport that records what it was given and fails as told: the only stand-in here, for
/// what a folder or a real server will not do on demand (fail the first attempts, then work).
final class ScriptedMail: MailTransport {
    let sent = Mutex<[MailMessage]>([])
    /// The failures each recipient's next sends meet, by address: messages to several people
    /// may be sent concurrently, so a failure is scripted for its recipient, not for a turn.
    let failures = Mutex<[String: [DeliveryError]]>([:])
    var description: String { "scripted mail" }

    func send(_ message: MailMessage) async throws(DeliveryError) {
        let failure = failures.withLock { failures -> DeliveryError? in
            guard var queued = failures[message.to.email], !queued.isEmpty else { return nil }
            defer { failures[message.to.email] = queued }
            return queued.removeFirst()
        }
        if let failure { throw failure }
        sent.withLock { $0.append(message) }
    }
}

/// People, showtimes and bookings as fixed answers: `erased` is no one, `quiet` turned reminders
/// off, `hindi` reads Hindi; showtime `s-cancelled` is cancelled; order `o-cancelled` no longer stands.
struct FixedDirectory: NotificationDirectory {
    /// When every showtime but `s-cancelled` starts (a day after the tests' clock starts).
    static let start = Date(millisecondsSince1970: 1_764_500_000_000 + 86_400_000)

    func people(_ userIDs: [String]) async throws -> [String: Person] {
        Dictionary(userIDs.filter { $0 != "erased" }.map { id in
            (id, Person(name: "Asha Rao", email: "\(id)@example.com", wantsReminders: id != "quiet", language: id == "hindi" ? "hi" : nil))
        }, uniquingKeysWith: { first, _ in first })
    }
    func showtime(_ showtimeID: String) async throws -> ShowtimeSummary? {
        ShowtimeSummary(movieTitle: "Amélie", theatreName: "Regal, Mumbai", startsAt: "Friday 4 December 2026, 19:30", start: Self.start,
                        isCancelled: showtimeID == "s-cancelled")
    }
    func isConfirmed(orderID: String) async throws -> Bool {
        orderID != "o-cancelled"
    }
    func audience(after cursor: String?, limit: Int) async throws -> (members: [AudienceMember], nextCursor: String?) {
        ([], nil)
    }
}

@Suite("The outbox worker: delivered once, retried with backoff, dead-lettered, shared between workers", .timeLimit(.minutes(2)))
struct OutboxWorkerTests {
    static let logger = Logger(label: "notifications-tests")

    final class Clock: Sendable {
        let milliseconds = Mutex<Int64>(1_764_500_000_000)
        var now: @Sendable () -> Date { { Date(millisecondsSince1970: self.milliseconds.withLock { $0 }) } }
        func advance(_ duration: Duration) { milliseconds.withLock { $0 += duration.milliseconds } }
    }

    static func service(
        _ database: Database, mail: any MailTransport, clock: Clock, batchMax: Int = 50, sendsAtOnceMax: Int = 8,
        directory: any NotificationDirectory = FixedDirectory(), metrics: TestMetrics = TestMetrics()
    ) async throws -> NotificationService {
        var configuration = NotificationsConfiguration(siteURL: "https://tickets.example")
        configuration.batchMax = batchMax
        configuration.sendsAtOnceMax = sendsAtOnceMax
        configuration.retry.base = .seconds(10)
        configuration.retry.attemptsMax = 3
        return try await NotificationService.make(database: database, directory: directory, mail: mail, configuration: configuration,
                                                  unsubscribeLinks: links, now: clock.now, random: { 1 }, metrics: metrics, logger: logger)
    }

    static let links = UnsubscribeLinks(secrets: [SymmetricKey(size: .bits256)])

    static func enqueue(
        _ database: Database, topic: String, to userID: String?, payload: [String: String], at date: Date, deliverAt: Date? = nil
    ) async throws {
        try await database.transaction { session in
            try await Outbox.enqueue(topic: topic, recipientUserID: userID, payload: payload, at: date, deliverAt: deliverAt, on: session)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func everyTopicIsRenderedOnceAndOthersAreSkipped(engine: TestEngine) async throws {
        try await Harness.withDatabase(engine) { database in
            let clock = Clock(), mail = ScriptedMail()
            let service = try await Self.service(database, mail: mail, clock: clock)
            for topic in MailComposer.subjects.keys.sorted() {
                try await Self.enqueue(database, topic: topic, to: "u1", payload: [
                    "orderId": "o1", "showtimeId": "s1", "bookingCode": "K7Q2", "currency": "INR", "token": "tok&<1>",
                ], at: clock.now())
            }
            try await Self.enqueue(database, topic: "booking.expired", to: "u1", payload: ["orderId": "o2"], at: clock.now())
            try await Self.enqueue(database, topic: "booking.confirmed", to: "erased", payload: ["orderId": "o3"], at: clock.now())
            #expect(try await service.deliverDue() == MailComposer.subjects.count + 2)
            #expect(try await service.deliverDue() == 0)
            let sent = mail.sent.withLock { $0 }
            #expect(sent.count == MailComposer.subjects.count)
            #expect(Set(sent.map(\.messageID)).count == sent.count)
            let verification = try #require(sent.first { $0.subject == "Confirm your email address" })
            // The text part is text (no HTML escaping); the HTML part escapes.
            #expect(verification.text.contains("https://tickets.example/verify-email?token=tok&<1>"))
            #expect(verification.html.contains("token=tok&amp;&lt;1&gt;"))
            #expect(sent.contains { $0.subject == "Your tickets for Amélie" && $0.text.contains("K7Q2") })
            let statuses = try await database.withSession { session in
                try await session.raw("SELECT topic, recipient_user_id, status FROM outbox").all().map {
                    (try $0.decode(column: "topic", as: String.self), try $0.decode(column: "status", as: String.self))
                }
            }
            #expect(statuses.filter { $0.1 == "sent" }.count == MailComposer.subjects.count)
            #expect(statuses.filter { $0.1 == "skipped" }.count == 2)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func aFailingMessageIsRetriedWithBackoffThenDeadLetteredAndRetriedByHand(engine: TestEngine) async throws {
        try await Harness.withDatabase(engine) { database in
            let clock = Clock(), mail = ScriptedMail()
            let service = try await Self.service(database, mail: mail, clock: clock)
            mail.failures.withLock { $0 = ["u1@example.com": [DeliveryError("421 try later", isTransient: true)]] }
            try await Self.enqueue(database, topic: "account.password_changed", to: "u1", payload: [:], at: clock.now())
            #expect(try await service.deliverDue() == 1)
            #expect(mail.sent.withLock { $0.isEmpty })
            // Not due again before its backoff (10 s after one failure, with jitter at its top).
            clock.advance(.seconds(9))
            #expect(try await service.deliverDue() == 0)
            clock.advance(.seconds(1))
            #expect(try await service.deliverDue() == 1)
            #expect(mail.sent.withLock { $0.count } == 1)

            // A permanent refusal is dead at once; transient ones after the attempts allowed.
            mail.failures.withLock {
                $0 = ["gone@example.com": [DeliveryError("550 no such user", isTransient: false)],
                      "u2@example.com": Array(repeating: DeliveryError("451", isTransient: true), count: 3)]
            }
            try await Self.enqueue(database, topic: "account.password_changed", to: "gone", payload: [:], at: clock.now())
            clock.advance(.milliseconds(1))
            try await Self.enqueue(database, topic: "account.password_changed", to: "u2", payload: [:], at: clock.now())
            for _ in 0..<6 {
                try await service.deliverDue()
                clock.advance(.seconds(3_600))
            }
            let dead = try await service.deadLetters()
            #expect(dead.count == 2)
            #expect(dead.contains { $0.recipientUserID == "gone" && $0.attempts == 1 && $0.lastError == "550 no such user" })
            #expect(dead.contains { $0.recipientUserID == "u2" && $0.attempts == 3 })
            #expect(try await service.retry(id: dead[0].id))
            #expect(try await !service.retry(id: dead[0].id))
            #expect(try await service.deliverDue() == 1)
            #expect(try await service.deadLetters().count == 1)
            #expect(mail.sent.withLock { $0.count } == 2)
        }
    }

    /// Workers on several instances share the outbox: every message is sent exactly once here
    /// (no worker died), whichever worker claimed it.
    @Test func aPersonGetsTheTopicsWrittenInTheirLanguageInItAndTheRestInEnglish() async throws {
        try await Harness.withDatabase(.sqlite) { database in
            let clock = Clock(), mail = ScriptedMail()
            let service = try await Self.service(database, mail: mail, clock: clock)
            for topic in ["booking.confirmed", "payment.failed"] {
                try await Self.enqueue(database, topic: topic, to: "hindi", payload: ["orderId": "o1", "showtimeId": "s1", "bookingCode": "K7Q2"],
                                       at: clock.now())
            }
            while try await service.deliverDue() > 0 {}
            let sent = mail.sent.withLock { $0 }
            let confirmed = try #require(sent.first { $0.text.contains("K7Q2") && $0.subject.contains("Amélie") })
            #expect(confirmed.subject == "Amélie के आपके टिकट")
            #expect(confirmed.text.contains("आपकी बुकिंग पक्की हो गई है।") && confirmed.html.contains(#"<html lang="hi">"#))
            let failed = try #require(sent.first { $0 != confirmed })
            #expect(failed.subject == "Your payment did not go through" && failed.html.contains(#"<html lang="en">"#))
            // Every translated subject has its templates, and every translation a subject.
            for (language, subjects) in MailComposer.translatedSubjects {
                for topic in subjects.keys {
                    #expect(service.composer.library.getTemplate(named: "\(topic).text.\(language)") != nil, "\(topic) \(language)")
                    #expect(service.composer.library.getTemplate(named: "\(topic).html.\(language)") != nil, "\(topic) \(language)")
                }
            }
        }
    }

    @Test func everyKindOfMailArrivesThroughARealSMTPServerOnceWithItsHeaders() async throws {
        try await MailServer.with(tls: true) { server in
            try await Harness.withDatabase(.sqlite) { database in
                let clock = Clock()
                let mailer = try SMTPMailer(settings: try SMTPTests.settings(server, .startTLS))
                let service = try await Self.service(database, mail: mailer, clock: clock)
                let topics = MailComposer.subjects.keys.sorted()
                for topic in topics {
                    try await Self.enqueue(database, topic: topic, to: "u1", payload: [
                        "orderId": "o1", "showtimeId": "s1", "bookingCode": "K7Q2", "currency": "INR", "token": "t1",
                    ], at: clock.now())
                }
                while try await service.deliverDue() > 0 {}
                let received = try server.received()
                #expect(received.count == topics.count && received.allSatisfy { $0.envelope.tls && $0.envelope.to == ["u1@example.com"] })
                let texts = received.map { String(decoding: $0.message, as: UTF8.self) }
                let ids = texts.compactMap { $0.firstMatch(of: #/\r\nMessage-ID: (<[^>]+>)\r\n/#)?.output.1 }
                #expect(Set(ids).count == topics.count)
                // Only the reminder carries a one-click unsubscribe: the others cannot be turned off.
                #expect(texts.filter { $0.contains("\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n") }.count == 1)
                #expect(texts.allSatisfy { $0.contains("Content-Type: multipart/alternative;") })
            }
        }
    }

    @Test(arguments: TestEngine.allCases)
    func aReminderWaitsForItsTimeAndGoesOnlyIfTheBookingTheShowAndTheWishStillStand(engine: TestEngine) async throws {
        try await Harness.withDatabase(engine) { database in
            let clock = Clock(), mail = ScriptedMail()
            let service = try await Self.service(database, mail: mail, clock: clock)
            let remindAt = FixedDirectory.start.addingTimeInterval(-3 * 3600)
            let reminders: [(user: String, order: String, showtime: String)] = [
                ("u1", "o1", "s1"), ("quiet", "o2", "s1"), ("u3", "o-cancelled", "s1"), ("u4", "o4", "s-cancelled"),
            ]
            for reminder in reminders {
                try await Self.enqueue(database, topic: "booking.reminder", to: reminder.user,
                                       payload: ["orderId": reminder.order, "showtimeId": reminder.showtime, "bookingCode": "K7Q2"],
                                       at: clock.now(), deliverAt: remindAt)
            }
            // Not before its time, however often the worker looks.
            #expect(try await service.deliverDue() == 0)
            clock.advance(.seconds(20 * 3600))
            #expect(try await service.deliverDue() == 0)
            clock.advance(.seconds(2 * 3600))
            #expect(try await service.deliverDue() == reminders.count)
            let sent = mail.sent.withLock { $0 }
            #expect(sent.map(\.to.email) == ["u1@example.com"])
            let reminder = try #require(sent.first)
            #expect(reminder.subject == "Reminder: Amélie, Friday 4 December 2026, 19:30")
            // One click stops them: a link signed for this person and this kind only.
            let link = try #require(reminder.unsubscribeURL)
            #expect(link.hasPrefix("https://tickets.example/unsubscribe/"))
            let token = String(link.dropFirst("https://tickets.example/unsubscribe/".count))
            #expect(Self.links.verify(token)?.userID == "u1" && Self.links.verify(token)?.kind == .reminders)
            #expect(reminder.text.contains(link) && reminder.html.contains(link))
            #expect(String(decoding: reminder.rendered(), as: UTF8.self).contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"))
            let skipped = try await database.withSession { session in
                try await session.raw("SELECT recipient_user_id, last_error FROM outbox WHERE status = 'skipped' ORDER BY recipient_user_id").all()
                    .map { try $0.decode(column: "last_error", as: String.self) }
            }
            #expect(skipped == ["reminders are turned off", "the booking no longer stands", "the showtime is not ahead"])

            // A reminder whose showtime began while no worker ran is not sent late.
            try await Self.enqueue(database, topic: "booking.reminder", to: "u5", payload: ["orderId": "o5", "showtimeId": "s1"],
                                   at: clock.now(), deliverAt: remindAt)
            clock.advance(.seconds(2 * 3600))
            #expect(try await service.deliverDue() == 1)
            #expect(mail.sent.withLock { $0.count } == 1)
        }
    }

    /// `FixedDirectory`'s answers, with each lookup of people kept (refused while `isDown`).
    final class CountingDirectory: NotificationDirectory {
        struct Down: Error {}
        let fixed = FixedDirectory()
        let batches = Mutex<[[String]]>([])
        let isDown = Mutex(false)

        func people(_ userIDs: [String]) async throws -> [String: Person] {
            guard !isDown.withLock({ $0 }) else { throw Down() }
            batches.withLock { $0.append(userIDs.sorted()) }
            return try await fixed.people(userIDs)
        }
        func showtime(_ showtimeID: String) async throws -> ShowtimeSummary? { try await fixed.showtime(showtimeID) }
        func isConfirmed(orderID: String) async throws -> Bool { try await fixed.isConfirmed(orderID: orderID) }
        func audience(after cursor: String?, limit: Int) async throws -> (members: [AudienceMember], nextCursor: String?) {
            try await fixed.audience(after: cursor, limit: limit)
        }
    }

    /// A busy database makes every read wait its turn: a batch's recipients are read at once,
    /// not one wait per message. A failed read of them fails the batch's attempts, to be tried
    /// again with backoff, instead of leaving them claimed until the lease ends.
    @Test(arguments: TestEngine.allCases)
    func aBatchLooksItsRecipientsUpAtOnceAndIsRetriedWhenItCannot(engine: TestEngine) async throws {
        try await Harness.withDatabase(engine) { database in
            let clock = Clock(), mail = ScriptedMail(), directory = CountingDirectory()
            let service = try await Self.service(database, mail: mail, clock: clock, directory: directory)
            let users = (0..<10).map { "u\($0)" } + ["u0", "erased"]
            for user in users {
                try await Self.enqueue(database, topic: "booking.confirmed", to: user, payload: ["orderId": "o-\(user)", "showtimeId": "s1"],
                                       at: clock.now())
            }
            // An account's message names its address itself: nobody is looked up for it.
            try await Self.enqueue(database, topic: "account.password_changed", to: nil, payload: ["email": "p@example.com", "name": "P"],
                                   at: clock.now())
            #expect(try await service.deliverDue() == users.count + 1)
            #expect(directory.batches.withLock { $0 } == [Set(users).sorted()])
            let sent = mail.sent.withLock { $0.map(\.to.email) }
            #expect(sent.sorted() == (users.dropLast().map { "\($0)@example.com" } + ["p@example.com"]).sorted(), "the erased one is skipped")

            directory.isDown.withLock { $0 = true }
            for user in ["u1", "u2"] {
                try await Self.enqueue(database, topic: "booking.cancelled", to: user, payload: ["orderId": "o-\(user)"], at: clock.now())
            }
            #expect(try await service.deliverDue() == 2)
            let failed = try await database.withSession { session in
                try await session.raw("SELECT attempts, last_error, claimed_until_ms FROM outbox WHERE topic = 'booking.cancelled'").all()
                    .map { (try $0.decode(column: "attempts", as: Int.self), try $0.decode(column: "last_error", as: String.self),
                            try $0.decode(column: "claimed_until_ms", as: Int64.self)) }
            }
            #expect(failed.count == 2)
            #expect(failed.allSatisfy { $0.0 == 1 && $0.1.hasPrefix("the recipients could not be looked up") && $0.2 == 0 })
            // Not claimed until the lease ends: due again after the backoff (10 s at its top).
            directory.isDown.withLock { $0 = false }
            clock.advance(.seconds(10))
            #expect(try await service.deliverDue() == 2)
            #expect(mail.sent.withLock { $0.count } == sent.count + 2)
        }
    }

    /// Takes every message, but cannot make them durable while `isFailing` (a full disk).
    final class UnsyncedMail: MailTransport {
        let sent = Mutex<[String]>([])
        let syncs = Mutex(0)
        let isFailing = Mutex(true)
        var description: String { "mail that cannot be made durable" }
        func send(_ message: MailMessage) async throws(DeliveryError) {
            sent.withLock { $0.append(message.to.email) }
        }
        func makeDurable() async throws(DeliveryError) {
            guard !isFailing.withLock({ $0 }) else { throw DeliveryError("syncing the mail folder failed: No space left on device", isTransient: true) }
            syncs.withLock { $0 += 1 }
        }
    }

    /// A power cut must not lose mail recorded as sent: a batch is recorded only once its
    /// transport made the batch's mail durable (a folder's one fsync for all of them).
    @Test(arguments: TestEngine.allCases)
    func mailIsRecordedAsSentOnlyOnceItsTransportMadeItDurable(engine: TestEngine) async throws {
        try await Harness.withDatabase(engine) { database in
            let clock = Clock(), mail = UnsyncedMail(), metrics = TestMetrics()
            let service = try await Self.service(database, mail: mail, clock: clock, metrics: metrics)
            let users = ["u1", "u2", "u3"]
            for user in users {
                try await Self.enqueue(database, topic: "account.password_changed", to: user, payload: [:], at: clock.now())
            }
            @Sendable func outbox() async throws -> [(status: String, attempts: Int, error: String?)] {
                try await database.withSession { session in
                    try await session.raw("SELECT status, attempts, last_error FROM outbox ORDER BY recipient_user_id").all().map {
                        (try $0.decode(column: "status", as: String.self), try $0.decode(column: "attempts", as: Int.self),
                         try $0.decode(column: "last_error", as: String?.self))
                    }
                }
            }
            #expect(try await service.deliverDue() == users.count)
            #expect(mail.sent.withLock { $0.count } == users.count, "handed over, but not durable")
            let failed = try await outbox()
            #expect(failed.count == users.count)
            #expect(failed.allSatisfy {
                $0.status == "pending" && $0.attempts == 1 && $0.error == "syncing the mail folder failed: No space left on device"
            })
            // Written, but not recorded as sent: not counted as sent.
            #expect(try metrics.expectCounter("notifications_sent_total").totalValue == 0)
            #expect(try metrics.expectCounter("notifications_failed_total").totalValue == Int64(users.count))

            mail.isFailing.withLock { $0 = false }
            clock.advance(.seconds(10))
            #expect(try await service.deliverDue() == users.count)
            #expect(mail.syncs.withLock { $0 } == 1, "one for the batch")
            #expect(try await outbox().allSatisfy { $0.status == "sent" && $0.attempts == 2 })
            #expect(try metrics.expectCounter("notifications_sent_total").totalValue == Int64(users.count), "each counted once")
        }
    }

    /// The lag gauge says, after each batch, how long the oldest message still due has waited:
    /// from its creation for one due at once, nothing once none is due.
    @Test(arguments: TestEngine.allCases)
    func theLagIsHowLongTheOldestMessageLeftDueHasWaited(engine: TestEngine) async throws {
        try await Harness.withDatabase(engine) { database in
            let clock = Clock(), metrics = TestMetrics()
            let service = try await Self.service(database, mail: ScriptedMail(), clock: clock, batchMax: 2, metrics: metrics)
            for (index, user) in ["u1", "u2", "u3"].enumerated() {
                try await Self.enqueue(database, topic: "account.password_changed", to: user, payload: [:],
                                       at: clock.now().addingTimeInterval(Double(index)))
            }
            clock.advance(.seconds(30))
            #expect(try await service.deliverDue() == 2)
            // The third, created 2 s after the first, has waited 28 s.
            #expect(try metrics.expectGauge("notifications_lag_seconds").lastValue == 28)
            #expect(try await service.deliverDue() == 1)
            #expect(try metrics.expectGauge("notifications_lag_seconds").lastValue == 0)
            #expect(try metrics.expectCounter("notifications_sent_total").totalValue == 3)
        }
    }

    /// Sends as told, taking `took` of the test clock per message (a slow server).
    final class SlowMail: MailTransport {
        let clock: Clock
        let took: Duration
        let sent = Mutex<[String]>([])
        var description: String { "slow mail" }
        init(clock: Clock, took: Duration) {
            self.clock = clock
            self.took = took
        }
        func send(_ message: MailMessage) async throws(DeliveryError) {
            clock.advance(took)
            sent.withLock { $0.append(message.messageID) }
        }
    }

    @Test func aWorkerStopsSendingItsBatchBeforeItsLeaseRunsOut() async throws {
        try await Harness.withDatabase(.sqlite) { database in
            let clock = Clock()
            let lease = NotificationsConfiguration(siteURL: "https://tickets.example").lease
            let mail = SlowMail(clock: clock, took: lease / 2)
            // One at a time, so each send's time counts against the lease in turn.
            let service = try await Self.service(database, mail: mail, clock: clock, sendsAtOnceMax: 1)
            for index in 0..<5 {
                try await Self.enqueue(database, topic: "account.password_changed", to: nil,
                                       payload: ["email": "p\(index)@example.com", "name": "P"], at: clock.now())
            }
            // Two sends take the lease to its end: the third would start past three quarters of it.
            #expect(try await service.deliverDue() == 5)
            #expect(mail.sent.withLock { $0.count } == 2)
            // The rest come due again when the lease ends (now), and none is sent twice.
            while try await service.deliverDue() > 0 {}
            let sent = mail.sent.withLock { $0 }
            #expect(sent.count == 5 && Set(sent).count == 5)
        }
    }

    @Test func unsubscribeTokensAreBoundToTheirPersonKindAndSecret() {
        let old = SymmetricKey(size: .bits256), new = SymmetricKey(size: .bits256)
        let before = UnsubscribeLinks(secrets: [old]), after = UnsubscribeLinks(secrets: [old, new])
        let token = before.token(userID: "u1", kind: .reminders)
        // Still good after a rotation adds a secret; gone once the old secret is dropped.
        #expect(after.verify(token)?.userID == "u1")
        #expect(UnsubscribeLinks(secrets: [new]).verify(token) == nil)
        let newer = after.token(userID: "u1", kind: .reminders)
        #expect(newer != token && UnsubscribeLinks(secrets: [new]).verify(newer)?.kind == .reminders)
        // Changing the person or the kind breaks the code.
        let parts = token.split(separator: ".").map(String.init)
        #expect(before.verify("offers.\(parts[1]).\(parts[2])") == nil)
        #expect(before.verify("reminders.u2.\(parts[2])") == nil)
        for hostile in ["", "reminders", "reminders.u1", "reminders..\(parts[2])", "reminders.u1.\(parts[2]).x", "spam.u1.\(parts[2])",
                        "reminders.u1.\(String(repeating: "A", count: 43))", "reminders.u1.\(parts[2].dropLast())",
                        String(repeating: "reminders.", count: 40)] {
            #expect(before.verify(hostile) == nil, "\(hostile)")
        }
    }

    @Test func concurrentWorkersOnPostgreSQLSendEachMessageOnce() async throws {
        try await Harness.withDatabase(.postgres) { database in
            let clock = Clock(), mail = ScriptedMail()
            let messages = 300
            for index in 0..<messages {
                try await Self.enqueue(database, topic: "account.password_changed", to: "u\(index)", payload: [:], at: clock.now())
            }
            let workers = try await (0..<4).asyncMap { _ in try await Self.service(database, mail: mail, clock: clock, batchMax: 20) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in workers {
                    group.addTask { for _ in 0..<messages where try await worker.deliverDue() > 0 {} }
                }
                try await group.waitForAll()
            }
            let recipients = mail.sent.withLock { $0.map(\.to.email) }
            #expect(recipients.count == messages)
            #expect(Set(recipients).count == messages)
        }
    }

    @Test func mailWrittenToAFolderIsOneFilePerMessageAndARepeatRewritesIt() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // Two folders made at the first message, each then synced in its parent.
        let folder = MailFolder(path: directory.path + "/data/mail")
        try await folder.send(MailFormatTests.message)
        try await folder.send(MailFormatTests.message)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path + "/data/mail")
        #expect(files == ["m1_boxoffice.local.eml"])
        let contents = try #require(FileManager.default.contents(atPath: directory.path + "/data/mail/" + files[0]))
        #expect(Array(contents) == MailFormatTests.message.rendered())
        // The names are made durable by syncing the folder: a folder that is not there says so.
        try await folder.makeDurable()
        let missing = directory.path + "/no-such-folder"
        await #expect(throws: DeliveryError("opening \(missing) failed: No such file or directory", isTransient: true)) {
            try await MailFolder(path: missing).makeDurable()
        }
    }

    /// A message's file name keeps ASCII letters, digits, dots and dashes of its `Message-ID`,
    /// turns its `@` into `_`, and drops everything else: no path separator, no byte of a
    /// character outside ASCII.
    @Test func aMessagesFileNameKeepsOnlyWhatIsSafeInAName() {
        #expect(MailFolder.fileName(for: "<01a242da-8812-749d@mail.example>") == "01a242da-8812-749d_mail.example.eml")
        #expect(MailFolder.fileName(for: "<../../etc/passwd@x>") == "....etcpasswd_x.eml")
        #expect(MailFolder.fileName(for: "<réservation\u{301}+1 ½ @例え.jp>") == "rservation1_.jp.eml")
        #expect(MailFolder.fileName(for: "") == ".eml")
    }

    /// A folder that cannot be made, or a file where the folder should be: the message is not
    /// sent, with an error that names the path and asks for another try later, and nothing is
    /// written anywhere.
    @Test func aMailFolderThatCannotBeWrittenSaysWhereAndWhy() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dangling = directory.path + "/mail"
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: directory.path + "/gone/mail")
        await #expect(throws: DeliveryError("making the mail folder \(dangling) failed: File exists", isTransient: true)) {
            try await MailFolder(path: dangling).send(MailFormatTests.message)
        }
        let file = directory.path + "/taken"
        #expect(FileManager.default.createFile(atPath: file, contents: Data("not a folder".utf8)))
        await #expect(throws: DeliveryError("creating \(file)/.m1_boxoffice.local.eml.tmp failed: Not a directory", isTransient: true)) {
            try await MailFolder(path: file).send(MailFormatTests.message)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["mail", "taken"])
        #expect(FileManager.default.contents(atPath: file) == Data("not a folder".utf8))
    }
}

extension Sequence where Element: Sendable {
    func asyncMap<T: Sendable>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
