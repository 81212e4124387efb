import BoxOfficeApp
import BoxOfficeStorage
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SeatTestSupport
import Testing

@Suite("Reminders before the showtime, and the link that stops them", .timeLimit(.minutes(2)))
struct ReminderTests {
    @Test func aConfirmedBookingSchedulesItsReminderAndOneClickStopsThem() async throws {
        let mail = try TemporaryDirectory()
        defer { mail.remove() }
        try await Harness.withAppAndSeatd(.sqlite, configure: { $0.mailFolder = mail.path }) { client, components, _ in
            let steps = BookingSteps(client: client, components: components)
            let showtime = try await steps.showtime()
            let (token, userID) = try await steps.customer("asha@example.com")
            let held = try await steps.held(showtime, seats: ["C1"], token: token)
            #expect(try await steps.pay(held, card: "4242424242424242", token: token).status == .ok)

            // Scheduled with the confirmation, for three hours before the showtime.
            let due = try await Self.reminderDue(components.database, userID: userID)
            #expect(due == showtime.startsAt.addingTimeInterval(-3 * 3600).millisecondsSince1970)
            // Let its time come, and let the worker run.
            try await components.database.withSession { session in
                try await session.raw("UPDATE outbox SET next_attempt_at_ms = 0 WHERE topic = 'booking.reminder'").run()
            }
            try await Self.deliverReminders(components)
            let reminder = try #require(try Self.mails(in: mail.path).first { $0.contains("List-Unsubscribe-Post") })
            let link = try #require(reminder.firstMatch(of: #/List-Unsubscribe: <https?://[^/]+(/unsubscribe/[^>]+)>/#)?.output.1)

            // Opening the link changes nothing; a forged or altered one is refused.
            let page = try await client.request(.get, String(link))
            #expect(page.status == .ok && page.text.contains("Stop these emails"))
            #expect(try await Self.wantsReminders(client, token: token))
            let forged = link.replacingOccurrences(of: userID, with: "someone-else")
            #expect(try await client.request(.post, forged, body: "List-Unsubscribe=One-Click").status == .notFound)
            #expect(try await client.request(.get, String(link.dropLast(2))).status == .notFound)

            // A mail client's one-click post: no cookie, no form token, and it is done.
            let posted = try await client.request(.post, String(link), body: "List-Unsubscribe=One-Click")
            #expect(posted.status == .ok && posted.text.contains("no more reminders"))
            #expect(try await !Self.wantsReminders(client, token: token))

            // The next booking's reminder, when due, is skipped.
            let second = try await steps.held(showtime, seats: ["E1"], token: token)
            #expect(try await steps.pay(second, card: "4242424242424242", token: token).status == .ok)
            try await components.database.withSession { session in
                try await session.raw("UPDATE outbox SET next_attempt_at_ms = 0 WHERE topic = 'booking.reminder'").run()
            }
            try await Self.deliverReminders(components)
            #expect(try await Self.reminderStatuses(components.database) == ["sent", "skipped"])
        }
    }

    /// Runs the outbox until no reminder is waiting: the application's own worker runs beside
    /// this one and may be the one holding a reminder. 10 s at most.
    static func deliverReminders(_ components: BoxOfficeComponents) async throws {
        for _ in 0..<200 {
            while try await components.notifications.deliverDue() > 0 {}
            if try await !reminderStatuses(components.database).contains("pending") { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("a reminder was still waiting after 10 s")
    }

    static func reminderStatuses(_ database: Database) async throws -> [String] {
        try await database.withSession { session in
            try await session.raw("SELECT status FROM outbox WHERE topic = 'booking.reminder' ORDER BY created_at_ms").all()
                .map { try $0.decode(column: "status", as: String.self) }
        }
    }

    static func reminderDue(_ database: Database, userID: String) async throws -> Int64? {
        try await database.withSession { session in
            try await session.raw("SELECT next_attempt_at_ms FROM outbox WHERE topic = 'booking.reminder' AND recipient_user_id = \(bind: userID)")
                .first()?.decode(column: "next_attempt_at_ms", as: Int64.self)
        }
    }

    static func mails(in folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".eml") }.map {
            try String(contentsOfFile: "\(folder)/\($0)", encoding: .utf8)
        }
    }

    static func wantsReminders(_ client: any TestClientProtocol, token: String) async throws -> Bool {
        struct Me: Decodable {
            struct Consents: Decodable { var reminderEmail: Bool }
            var consents: Consents
        }
        return try await client.request(.get, "/api/v1/me", token: token).json(Me.self).consents.reminderEmail
    }
}

extension TestClientProtocol {
    /// A form post as a mail client or browser sends it, with no cookies.
    func request(_ method: HTTPRequest.Method, _ uri: String, body: String) async throws -> TestResponse {
        try await execute(uri: uri, method: method, headers: [.contentType: "application/x-www-form-urlencoded"],
                          body: ByteBuffer(string: body))
    }
}
