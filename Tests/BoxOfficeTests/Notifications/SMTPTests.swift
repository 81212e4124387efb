import Foundation
import NIOSSL
@testable import Notifications
import SeatTestSupport
import Testing

@Suite("Mail through a real SMTP server (aiosmtpd): STARTTLS, AUTH, pipelining, refusals", .timeLimit(.minutes(2)))
struct SMTPTests {
    static func message(_ n: Int = 1) -> MailMessage {
        MailMessage(
            from: .init(name: "Box Office", email: "tickets@boxoffice.local"), to: .init(name: "Zoë", email: "zoe@example.com"),
            subject: "Your tickets for Amélie", text: "Seats A1, A2.\n.\n..a line with dots\n", html: "<p>Seats A1, A2.</p>",
            messageID: "<m\(n)@boxoffice.local>", date: Date(timeIntervalSince1970: 1_764_500_000))
    }

    static func settings(_ server: MailServer, _ security: SMTPSettings.Security, user: String? = nil, password: String? = nil) throws -> SMTPSettings {
        var settings = SMTPSettings(host: "127.0.0.1", port: server.port, security: security, username: user, password: password)
        if let certificate = server.certificate {
            settings.tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certificate))
        }
        // Generous: these tests run beside every other suite on two cores, and a Python server
        // that answers late under that load is not what they check.
        settings.timeout = .seconds(60)
        return settings
    }

    @Test func aMessageArrivesWholeWithItsEnvelope() async throws {
        try await MailServer.with { server in
            try await SMTPMailer(settings: try Self.settings(server, .none)).send(Self.message())
            let received = try server.received()
            #expect(received.count == 1)
            #expect(received.first?.envelope.from == "tickets@boxoffice.local")
            #expect(received.first?.envelope.to == ["zoe@example.com"])
            // Byte for byte what was rendered: the server undid the dot-stuffing.
            #expect(received.first?.message == Self.message().rendered())
        }
    }

    @Test func startTLSAndAuthenticationAreUsedWhenRequired() async throws {
        try await MailServer.with(tls: true, credentials: "mailer:s3cret pass") { server in
            try await SMTPMailer(settings: try Self.settings(server, .startTLS, user: "mailer", password: "s3cret pass")).send(Self.message())
            let envelope = try #require(try server.received().first?.envelope)
            #expect(envelope.tls && envelope.authenticated)

            // Wrong credentials: a 5xx refusal, not worth retrying.
            let wrong = try SMTPMailer(settings: try Self.settings(server, .startTLS, user: "mailer", password: "wrong"))
            do {
                try await wrong.send(Self.message(2))
                Issue.record("sent with wrong credentials")
            } catch let error as DeliveryError {
                #expect(!error.isTransient && error.message.contains("AUTH"), "\(error)")
            }
            // Without STARTTLS the server refuses to go on (530), which is said, not hidden.
            let clear = try SMTPMailer(settings: try Self.settings(server, .none))
            do {
                try await clear.send(Self.message(3))
                Issue.record("sent in the clear to a server that requires TLS")
            } catch let error as DeliveryError {
                #expect(error.message.contains("530") || error.message.contains("STARTTLS"), "\(error)")
            }
            #expect(try server.received().count == 1)
        }
    }

    @Test func aCertificateNotTrustedIsRefused() async throws {
        try await MailServer.with(tls: true) { server in
            var settings = try Self.settings(server, .startTLS)
            settings.tls.trustRoots = .certificates([])
            let mailer = try SMTPMailer(settings: settings)
            do {
                try await mailer.send(Self.message())
                Issue.record("trusted an unknown certificate")
            } catch let error as DeliveryError {
                #expect(error.isTransient)
            }
            #expect(try server.received().isEmpty)
        }
    }

    @Test(arguments: [(451, true), (550, false)])
    func refusalsSayWhetherToTryAgain(code: Int, isTransient: Bool) async throws {
        try await MailServer.with(refusing: code) { server in
            let mailer = try SMTPMailer(settings: try Self.settings(server, .none))
            do {
                try await mailer.send(Self.message())
                Issue.record("a refused message was taken as sent")
            } catch let error as DeliveryError {
                #expect(error.isTransient == isTransient && error.message.contains("\(code)"), "\(error)")
            }
        }
    }

    @Test func noServerIsATransientFailure() async throws {
        var settings = SMTPSettings(host: "127.0.0.1", port: try LoopbackPort.free(), security: .none)
        settings.timeout = .seconds(5)
        let mailer = try SMTPMailer(settings: settings)
        do {
            try await mailer.send(Self.message())
            Issue.record("sent to nobody")
        } catch {
            #expect(error.isTransient)
        }
    }

    @Test func linesBeginningWithADotAreStuffedAndTheMessageEnds() {
        let stuffed = String(decoding: Envelope.dotStuffed(Array(".a\r\nb\r\n..c\r\n.".utf8)), as: UTF8.self)
        #expect(stuffed == "..a\r\nb\r\n...c\r\n..\r\n.\r\n")
        #expect(Envelope.address("eve@example.com>\r\nRCPT TO:<x@y>") == "eve@example.comRCPT TO:x@y")
    }
}
