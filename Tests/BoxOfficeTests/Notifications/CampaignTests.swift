import BoxOfficeStorage
import Crypto
import Foundation
import Logging
@testable import Notifications
import SeatTestSupport
import SQLKit
import Synchronization
import Testing

@Suite("Campaigns: who they reach, and the limits on what an admin writes")
struct CampaignRuleTests {
    static let member = AudienceMember(userID: "u1", city: "Pune", languages: ["Hindi", "English"], genres: ["Drama"], consentsToOffers: true)

    @Test func anAudienceNarrowsByEachListedCriterionWithoutRegardToCase() {
        #expect(Audience().includes(Self.member))
        #expect(Audience(cities: ["pune", "Mumbai"]).includes(Self.member))
        #expect(!Audience(cities: ["Mumbai"]).includes(Self.member))
        #expect(Audience(cities: ["Pune"], languages: ["english"], genres: ["drama", "comedy"]).includes(Self.member))
        #expect(!Audience(cities: ["Pune"], languages: ["Tamil"]).includes(Self.member))
        // Someone who declared nothing is not taken to match; nobody without consent is included.
        var silent = Self.member
        silent.city = nil
        silent.genres = []
        #expect(!Audience(cities: ["Pune"]).includes(silent) && !Audience(genres: ["Drama"]).includes(silent) && Audience().includes(silent))
        var unwilling = Self.member
        unwilling.consentsToOffers = false
        #expect(!Audience().includes(unwilling))
    }

    @Test func aDraftIsTrimmedAndEachFaultNamesItsField() throws {
        let good = try CampaignRules.checked(CampaignDraft(kind: .release, subject: "  New this week  ", body: "\nAll of it.\n",
                                                           linkPath: "/movies/abc", audience: Audience(cities: [" Pune "])))
        #expect(good.subject == "New this week" && good.body == "All of it." && good.audience?.cities == ["Pune"])
        #expect(good.messagesPerSecond == CampaignRules.messagesPerSecondDefault)
        let faults: [(CampaignDraft, String)] = [
            (CampaignDraft(kind: .offer, subject: "", body: "x"), "subject"),
            (CampaignDraft(kind: .offer, subject: "Two\nlines", body: "x"), "subject"),
            (CampaignDraft(kind: .offer, subject: String(repeating: "s", count: 121), body: "x"), "subject"),
            (CampaignDraft(kind: .offer, subject: "s", body: "  "), "body"),
            (CampaignDraft(kind: .offer, subject: "s", body: String(repeating: "b", count: 5_001)), "body"),
            (CampaignDraft(kind: .offer, subject: "s", body: "b", linkPath: "https://evil.example/"), "linkPath"),
            (CampaignDraft(kind: .offer, subject: "s", body: "b", linkPath: "//evil.example/"), "linkPath"),
            (CampaignDraft(kind: .offer, subject: "s", body: "b", linkPath: "/a b"), "linkPath"),
            (CampaignDraft(kind: .offer, subject: "s", body: "b", audience: Audience(cities: Array(repeating: "Pune", count: 21))), "audience.cities"),
            (CampaignDraft(kind: .offer, subject: "s", body: "b", audience: Audience(genres: [""])), "audience.genres"),
            (CampaignDraft(kind: .offer, subject: "s", body: "b", messagesPerSecond: 0), "messagesPerSecond"),
            (CampaignDraft(kind: .offer, subject: "s", body: "b", messagesPerSecond: 1_001), "messagesPerSecond"),
        ]
        for (draft, field) in faults {
            #expect {
                _ = try CampaignRules.checked(draft)
            } throws: { error in
                if case .invalidField(let faulty, _) = error as? CampaignError { faulty == field } else { false }
            }
        }
    }

    @Test func messagesAreDueOneEveryIntervalAtTheCampaignsRate() {
        #expect((0..<4).map { CampaignRules.slotMs(start: 1_000, index: $0, messagesPerSecond: 4) } == [1_000, 1_250, 1_500, 1_750])
        #expect(CampaignRules.slotMs(start: 0, index: 1_000, messagesPerSecond: 1_000) == 1_000)
    }
}

/// People for campaigns, in id order: every third without consent, cities alternating.
final class PeopleDirectory: NotificationDirectory {
    let members: [AudienceMember]
    /// Pages served before the next one fails (a crash in the middle of a fan-out).
    let pagesBeforeFailure = Mutex<Int?>(nil)
    /// People who withdrew their consent after the fan-out.
    let withdrawn = Mutex<Set<String>>([])

    init(count: Int) {
        members = (0..<count).map { index in
            AudienceMember(userID: String(format: "user-%06d", index), city: index % 2 == 0 ? "Pune" : "Mumbai", languages: ["Hindi"],
                           genres: ["Drama"], consentsToOffers: index % 3 != 0)
        }
    }

    func people(_ userIDs: [String]) async throws -> [String: Person] {
        let withdrawn = withdrawn.withLock { $0 }
        var people: [String: Person] = [:]
        for id in userIDs {
            guard let member = members.first(where: { $0.userID == id }) else { continue }
            people[id] = Person(name: "Person \(id)", email: "\(id)@example.com",
                                wantsOffers: member.consentsToOffers && !withdrawn.contains(id))
        }
        return people
    }
    func showtime(_ showtimeID: String) async throws -> ShowtimeSummary? { nil }
    func isConfirmed(orderID: String) async throws -> Bool { false }

    struct Crash: Error {}

    func audience(after cursor: String?, limit: Int) async throws -> (members: [AudienceMember], nextCursor: String?) {
        try pagesBeforeFailure.withLock { left in
            if let remaining = left {
                guard remaining > 0 else { throw Crash() }
                left = remaining - 1
            }
        }
        let start = cursor.flatMap { cursor in members.firstIndex { $0.userID > cursor } } ?? (cursor == nil ? 0 : members.count)
        let page = Array(members[start..<min(start + limit, members.count)])
        return (page, start + limit < members.count ? page.last?.userID : nil)
    }
}

@Suite("Campaigns fanned out to the outbox: resumable, never twice, at their pace", .timeLimit(.minutes(3)))
struct CampaignFanOutTests {
    static func service(_ database: Database, directory: PeopleDirectory, clock: OutboxWorkerTests.Clock, mail: any MailTransport)
        async throws -> NotificationService
    {
        try await NotificationService.make(
            database: database, directory: directory, mail: mail, configuration: NotificationsConfiguration(siteURL: "https://tickets.example"),
            unsubscribeLinks: OutboxWorkerTests.links, now: clock.now, random: { 1 }, logger: OutboxWorkerTests.logger)
    }

    static func dueTimes(_ database: Database, campaign: String) async throws -> [Int64] {
        try await database.withSession { session in
            try await session.raw("SELECT next_attempt_at_ms FROM outbox WHERE campaign_id = \(bind: campaign) ORDER BY next_attempt_at_ms").all()
                .map { try $0.decode(column: "next_attempt_at_ms", as: Int64.self) }
        }
    }

    @Test(arguments: TestEngine.allCases)
    func aCrashInTheMiddleResumesFromTheCursorAndReachesEachPersonOnce(engine: TestEngine) async throws {
        try await Harness.withDatabase(engine) { database in
            let clock = OutboxWorkerTests.Clock(), directory = PeopleDirectory(count: 2_500)
            let service = try await Self.service(database, directory: directory, clock: clock, mail: ScriptedMail())
            let campaigns = service.campaigns
            let campaign = try await campaigns.create(
                CampaignDraft(kind: .release, subject: "New this week", body: "Films.", audience: Audience(cities: ["Pune"]), messagesPerSecond: 100),
                by: "admin")
            #expect(try await campaigns.fanOutPass() == 0, "a draft is not sent")
            _ = try await campaigns.start(id: campaign.id)

            // The directory fails on the fourth page: three pages are in, and the cursor with them.
            directory.pagesBeforeFailure.withLock { $0 = 3 }
            await #expect(throws: PeopleDirectory.Crash.self) { try await campaigns.fanOutPass() }
            let partial = try await campaigns.progress(id: campaign.id)
            #expect(partial.campaign.status == .sending && partial.campaign.recipients == partial.messages["pending"])
            #expect(partial.campaign.recipients > 0 && partial.campaign.recipients < 800)

            directory.pagesBeforeFailure.withLock { $0 = nil }
            while try await campaigns.fanOutPass() > 0 {}
            let done = try await campaigns.progress(id: campaign.id)
            // In Pune (even numbers) and consenting (not multiples of three): 2,500 / 2 × 2/3.
            let expected = directory.members.filter { Audience(cities: ["Pune"]).includes($0) }.count
            #expect(expected == 833)
            #expect(done.campaign.status == .queued && done.campaign.recipients == expected && done.messages == ["pending": expected])
            let due = try await Self.dueTimes(database, campaign: campaign.id)
            // One every 10 ms from the start, without a gap or a pile-up at the crash.
            #expect(due.first == clock.now().millisecondsSince1970 && due.count == expected)
            #expect(zip(due, due.dropFirst()).allSatisfy { $1 - $0 == 10 })
        }
    }

    @Test func twoInstancesFanningOutTogetherAddEachPersonOnce() async throws {
        try await Harness.withDatabase(.postgres) { database in
            let clock = OutboxWorkerTests.Clock(), directory = PeopleDirectory(count: 3_000)
            let first = try await Self.service(database, directory: directory, clock: clock, mail: ScriptedMail())
            let second = try await Self.service(database, directory: directory, clock: clock, mail: ScriptedMail())
            let campaign = try await first.campaigns.create(CampaignDraft(kind: .offer, subject: "Half price", body: "Tuesdays."), by: "admin")
            _ = try await first.campaigns.start(id: campaign.id)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for service in [first, second] {
                    group.addTask { while try await service.campaigns.fanOutPass() > 0 {} }
                }
                try await group.waitForAll()
            }
            let done = try await first.campaigns.progress(id: campaign.id)
            #expect(done.campaign.status == .queued && done.campaign.recipients == 2_000 && done.messages == ["pending": 2_000])
        }
    }

    @Test(arguments: TestEngine.allCases)
    func messagesGoOutAtTheirTimeSkipWithdrawnConsentAndStopWhenCancelled(engine: TestEngine) async throws {
        try await Harness.withDatabase(engine) { database in
            let clock = OutboxWorkerTests.Clock(), directory = PeopleDirectory(count: 30), mail = ScriptedMail()
            let service = try await Self.service(database, directory: directory, clock: clock, mail: mail)
            let campaign = try await service.campaigns.create(
                CampaignDraft(kind: .offer, subject: "Half price on Tuesdays", body: "Every film.\n\nEvery <theatre>.", linkPath: "/search?q=x",
                              messagesPerSecond: 2), by: "admin")
            _ = try await service.campaigns.start(id: campaign.id)
            try await service.campaigns.fanOutPass()
            // 20 consenting people at two a second: the first two are due within the first second.
            directory.withdrawn.withLock { $0 = ["user-000002"] }
            clock.advance(.milliseconds(999))
            while try await service.deliverDue() > 0 {}
            let first = mail.sent.withLock { $0 }
            #expect(first.map(\.to.email) == ["user-000001@example.com"])
            let message = try #require(first.first)
            #expect(message.subject == "Half price on Tuesdays")
            #expect(message.html.contains("<p>Every &lt;theatre&gt;.</p>") && message.text.contains("Every <theatre>."))
            #expect(message.text.contains("https://tickets.example/search?q=x"))
            let link = try #require(message.unsubscribeURL)
            #expect(OutboxWorkerTests.links.verify(String(link.split(separator: "/").last!))?.kind == .offers)

            clock.advance(.seconds(2))
            while try await service.deliverDue() > 0 {}
            #expect(mail.sent.withLock { $0.count } == 5)
            let cancelled = try await service.campaigns.cancel(id: campaign.id)
            #expect(cancelled.campaign.status == .cancelled && cancelled.messages == ["sent": 5, "skipped": 1])
            clock.advance(.seconds(60))
            while try await service.deliverDue() > 0 {}
            #expect(mail.sent.withLock { $0.count } == 5)
            await #expect(throws: CampaignError.notDraft(status: .cancelled)) { try await service.campaigns.start(id: campaign.id) }
        }
    }
}

@Suite("Campaigns over HTTP, for admins", .timeLimit(.minutes(2)))
struct CampaignRouteTests {
    struct View: Decodable {
        struct CampaignView: Decodable {
            var id: String
            var status: String
            var recipients: Int
        }
        var campaign: CampaignView
        var messages: [String: Int]
    }

    @Test func anAdminWritesStartsFollowsAndCancelsACampaignThatReachesOnlyConsentingConfirmedPeople() async throws {
        try await Harness.withApp(.sqlite) { client, components in
            let steps = AccountSteps(client: client, components: components)
            let admin = try await steps.newAdmin()
            // Asha asked for offers at a confirmed address; Ravi asked but never confirmed; Mira did not ask.
            var people: [String: String] = [:]
            for email in ["asha@example.com", "ravi@example.com", "mira@example.com"] {
                let tokens = try await steps.newCustomer(email)
                people[email] = tokens.accessToken
                if email != "ravi@example.com" {
                    try await components.accounts.verifyEmail(token: try await steps.lastMail("account.email_verification", to: tokens.user.id).token)
                }
                let consents = #"{"marketingEmail":\#(email != "mira@example.com"),"sms":false,"push":false}"#
                #expect(try await client.request(.patch, "/api/v1/me", token: tokens.accessToken,
                                                 json: #"{"city":"Pune","consents":\#(consents)}"#).status == .ok)
            }

            let body = #"{"kind":"release","subject":"New this week","body":"Three films.","linkPath":"/","audience":{"cities":["pune"]}}"#
            #expect(try await client.request(.post, "/api/v1/admin/campaigns", token: people["asha@example.com"], json: body).status == .forbidden)
            #expect(try await client.request(.post, "/api/v1/admin/campaigns", json: body).status == .unauthorized)
            let invalid = try await client.request(.post, "/api/v1/admin/campaigns", token: admin.accessToken,
                                                   json: #"{"kind":"offer","subject":"","body":"x"}"#)
            #expect(try invalid.status == .unprocessableContent && invalid.problem().errors?.first?.field == "subject", "\(invalid.text)")

            let created = try await client.request(.post, "/api/v1/admin/campaigns", token: admin.accessToken, json: body)
            #expect(created.status == .created, "\(created.text)")
            let draft: View = try created.json()
            #expect(draft.campaign.status == "draft")
            let started: View = try await client.request(.post, "/api/v1/admin/campaigns/\(draft.campaign.id)/start", token: admin.accessToken).json()
            #expect(started.campaign.status == "sending")
            // The application's own worker runs too: the fan-out and the message may be its doing.
            for _ in 0..<100 {
                try await components.notifications.campaigns.fanOutPass()
                if try await components.notifications.campaigns.progress(id: draft.campaign.id).campaign.status == .queued { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            let queued: View = try await client.request(.get, "/api/v1/admin/campaigns/\(draft.campaign.id)", token: admin.accessToken).json()
            #expect(queued.campaign.status == "queued" && queued.campaign.recipients == 1 && queued.messages.values.reduce(0, +) == 1)

            // Cancelling leaves nothing waiting (the one message may have gone already).
            let cancelled: View = try await client.request(.post, "/api/v1/admin/campaigns/\(draft.campaign.id)/cancel", token: admin.accessToken).json()
            #expect(cancelled.campaign.status == "cancelled" && cancelled.messages["pending"] == nil && cancelled.messages.values.reduce(0, +) <= 1)
            let again = try await client.request(.post, "/api/v1/admin/campaigns/\(draft.campaign.id)/start", token: admin.accessToken)
            #expect(try again.status == .conflict && again.problem().code == "campaign_not_draft")
            #expect(try await client.request(.get, "/api/v1/admin/campaigns/not-an-id", token: admin.accessToken).status == .notFound)
        }
    }
}
