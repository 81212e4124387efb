import BoxOfficeApp
import BoxOfficeStorage
import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
@testable import Notifications
import SQLKit
import Testing

@Suite("Text messages through a Twilio-compatible API, and its signed status reports", .timeLimit(.minutes(3)))
struct TextMessageTests {
    static let phone = "+919876543210"

    @Test func aStatusReportIsTakenOnlyWithTheProvidersSignatureOverItsURLAndFields() {
        let sms = TwilioSMS(configuration: .init(accountSID: SMSServer.accountSID, authToken: "token", from: "+15005550006"))
        let url = "https://tickets.example/api/v1/notifications/sms/status"
        let form = [("MessageSid", "SM1"), ("MessageStatus", "delivered"), ("To", Self.phone)]
        let signed = HMAC<Insecure.SHA1>.authenticationCode(for: Data((url + "MessageSidSM1MessageStatusdelivered" + "To" + Self.phone).utf8),
                                                           using: SymmetricKey(data: Data("token".utf8)))
        let signature = Data(signed).base64EncodedString()
        #expect(sms.verifyStatusReport(url: url, form: form, signature: signature))
        // The fields' order does not matter; any change to them, the URL or the key does.
        #expect(sms.verifyStatusReport(url: url, form: form.reversed(), signature: signature))
        #expect(!sms.verifyStatusReport(url: url, form: [("MessageSid", "SM1"), ("MessageStatus", "failed"), ("To", Self.phone)], signature: signature))
        #expect(!sms.verifyStatusReport(url: url + "?x=1", form: form, signature: signature))
        #expect(!sms.verifyStatusReport(url: url, form: form, signature: nil))
        #expect(!sms.verifyStatusReport(url: url, form: form, signature: "not base64!"))
        let other = TwilioSMS(configuration: .init(accountSID: SMSServer.accountSID, authToken: "another", from: "+15005550006"))
        #expect(!other.verifyStatusReport(url: url, form: form, signature: signature))
    }

    /// Runs the outbox until `condition` holds (the status report arrives a moment after the send); 10 s at most.
    static func drain(_ notifications: NotificationService, until condition: () async throws -> Bool) async throws {
        for _ in 0..<200 {
            while try await notifications.deliverDue() > 0 {}
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("the outbox did not get there within 10 s")
    }

    static func textRow(_ database: Database) async throws -> (status: String, attempts: Int, error: String?, deliveryStatus: String?)? {
        try await database.withSession { session in
            try await session.raw("SELECT status, attempts, last_error, delivery_status FROM outbox WHERE topic = 'sms.booking.confirmed'").first()
                .map { (try $0.decode(column: "status", as: String.self), try $0.decode(column: "attempts", as: Int.self),
                        try $0.decode(column: "last_error", as: String?.self), try $0.decode(column: "delivery_status", as: String?.self)) }
        }
    }

    /// A customer who gave a number and asked for texts books a seat: their confirmation goes by
    /// email and, as a message of its own, by text.
    static func book(_ client: any TestClientProtocol, _ components: BoxOfficeComponents, phone: String = phone, texts: Bool = true)
        async throws -> BookingSteps.Order
    {
        let steps = BookingSteps(client: client, components: components)
        let showtime = try await steps.showtime()
        let (token, _) = try await steps.customer("asha@example.com")
        let patch = #"{"phone":"\#(phone)","consents":{"marketingEmail":false,"sms":\#(texts),"push":false}}"#
        #expect(try await client.request(.patch, "/api/v1/me", token: token, json: patch).status == .ok)
        let held = try await steps.held(showtime, seats: ["C1"], token: token)
        let paid: BookingSteps.Order = try await steps.pay(held, card: "4242424242424242", token: token).json()
        #expect(paid.state == "confirmed")
        return paid
    }

    static func configure(_ sms: SMSServer) -> @Sendable (inout BoxOfficeConfiguration) -> Void {
        { configuration in
            var settings = TwilioSMS.Configuration(baseURL: sms.baseURL, accountSID: SMSServer.accountSID, authToken: SMSServer.authToken,
                                                   from: "+15005550006")
            settings.requestTimeout = .seconds(5)
            configuration.sms = settings
            configuration.notificationsRetry.base = .milliseconds(50)
        }
    }

    @Test func aBookingIsTextedExactlyAsTheAPIWantsAndItsDeliveryReportIsRecorded() async throws {
        try await SMSServer.with { sms in
            try await Harness.withAppAndSeatd(.sqlite, mode: .live, configure: Self.configure(sms)) { client, components, _ in
                let order = try await Self.book(client, components)
                try await Self.drain(components.notifications) { try await Self.textRow(components.database)?.deliveryStatus == "delivered" }
                let requests = try sms.entries().filter { $0.path != nil }
                #expect(requests.count == 1)
                let request = try #require(requests.first)
                #expect(request.faults == [] && request.answered == 201)
                let fields = try #require(request.fields)
                #expect(fields["To"] == Self.phone && fields["From"] == "+15005550006")
                #expect(fields["Body"]?.contains(order.bookingCode ?? "-") == true && fields["Body"]?.hasPrefix("Booked: ") == true)
                #expect(fields["StatusCallback"]?.hasSuffix("/api/v1/notifications/sms/status") == true)
                // The server logs its report once our answer is back: a moment after the status was recorded.
                var answered: Int?
                for _ in 0..<100 where answered == nil {
                    answered = try sms.entries().first { $0.report == request.sid }?.answered
                    if answered == nil { try await Task.sleep(for: .milliseconds(50)) }
                }
                #expect(answered == 204)
                let row = try #require(try await Self.textRow(components.database))
                #expect(row.status == "sent" && row.attempts == 1)

                // A report that is not the provider's changes nothing.
                let path = "/api/v1/notifications/sms/status"
                let forged = try await client.request(.post, path, body: "MessageSid=\(request.sid ?? "")&MessageStatus=failed")
                #expect(forged.status == .forbidden)
                #expect(try await Self.textRow(components.database)?.deliveryStatus == "delivered")

                // A signed report without a known status is refused; one on a message this instance
                // never sent is answered alike and changes nothing.
                let url = components.notifications.siteURL.withLock { $0 } + path
                func signed(_ form: [(String, String)]) -> HTTPFields {
                    let code = HMAC<Insecure.SHA1>.authenticationCode(for: TwilioSMS.signedText(url: url, form: form),
                                                                     using: SymmetricKey(data: Data(SMSServer.authToken.utf8)))
                    return [.contentType: "application/x-www-form-urlencoded", HTTPField.Name("X-Twilio-Signature")!: Data(code).base64EncodedString()]
                }
                let noStatus = [("MessageSid", request.sid ?? "")]
                #expect(try await client.execute(uri: path, method: .post, headers: signed(noStatus),
                                                 body: ByteBuffer(string: "MessageSid=\(request.sid ?? "")")).status == .badRequest)
                let stranger = [("MessageSid", "SMunknown"), ("MessageStatus", "failed")]
                #expect(try await client.execute(uri: path, method: .post, headers: signed(stranger),
                                                 body: ByteBuffer(string: "MessageSid=SMunknown&MessageStatus=failed")).status == .noContent)
                #expect(try await Self.textRow(components.database)?.deliveryStatus == "delivered")
            }
        }
    }

    @Test func aBusyProviderIsTriedAgainAndANumberItRefusesIsDeadLettered() async throws {
        try await SMSServer.with(failFirst: 1) { sms in
            try await Harness.withAppAndSeatd(.sqlite, mode: .live, configure: Self.configure(sms)) { client, components, _ in
                _ = try await Self.book(client, components)
                try await Self.drain(components.notifications) { try await Self.textRow(components.database)?.deliveryStatus == "delivered" }
                let answers = try sms.entries().compactMap { $0.path == nil ? nil : $0.answered }
                #expect(answers == [429, 201])
                #expect(try await Self.textRow(components.database)?.attempts == 2)
            }
        }
        try await SMSServer.with(refusing: Self.phone) { sms in
            try await Harness.withAppAndSeatd(.sqlite, mode: .live, configure: Self.configure(sms)) { client, components, _ in
                _ = try await Self.book(client, components)
                try await Self.drain(components.notifications) { try await Self.textRow(components.database)?.status == "dead" }
                let row = try #require(try await Self.textRow(components.database))
                #expect(row.attempts == 1 && row.error?.contains("21211") == true)
            }
        }
    }

    @Test func someoneWhoDidNotAskForTextsGetsNone() async throws {
        try await SMSServer.with { sms in
            try await Harness.withAppAndSeatd(.sqlite, mode: .live, configure: Self.configure(sms)) { client, components, _ in
                _ = try await Self.book(client, components, texts: false)
                while try await components.notifications.deliverDue() > 0 {}
                #expect(try await Self.textRow(components.database) == nil)
                #expect(try sms.entries().isEmpty)
            }
        }
    }
}
