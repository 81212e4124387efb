import BoxOfficeApp
import BoxOfficeStorage
import Foundation
import SeatTestSupport
import SQLKit
import Testing

/// `boxoffice` as a real process sending the outbox to a real SMTP server (aiosmtpd), killed
/// with SIGKILL mid-batch and started again: every message arrives at least once, and any
/// message the crash made it send twice arrives as the same message (same `Message-ID`, same
/// bytes), so the receiving side can tell the repeat.
@Suite("Crash safety: the outbox worker killed with SIGKILL mid-batch", .timeLimit(.minutes(5)))
struct OutboxCrashTests {
    static let messages = 300

    @Test func everyMessageArrivesAndARepeatIsTheSameMessage() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let data = directory.path + "/boxoffice"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let ids = try await Self.fillOutbox(path: data + "/boxoffice.sqlite")

        try await MailServer.with { smtp in
            // A public address as production has one (with none, links name the port, which differs after a restart).
            let arguments = ["--smtp", "127.0.0.1:\(smtp.port)", "--smtp-security", "none", "--notifications-lease-seconds", "5",
                             "--public-url", "https://tickets.example"]
            let first = try await BoxOfficeProcess.start(dataDirectory: data, arguments: arguments)
            // Killed once a fifth has arrived: mid-batch (a batch is 50), with a lease held.
            do {
                try await Self.waitUntil(seconds: 60) { try smtp.received().count >= Self.messages / 5 }
            } catch {
                _ = try? await first.process.stopped(signal: SIGKILL)
                throw error
            }
            _ = try await first.process.stopped(signal: SIGKILL)
            let beforeRestart = try smtp.received().count
            #expect(beforeRestart < Self.messages, "the kill came after every message was sent: nothing was tested")

            let second = try await BoxOfficeProcess.start(dataDirectory: data, arguments: arguments)
            try await ChildProcess.stopping([second.process]) {
                try await Self.waitUntil(seconds: 90) { Set(try smtp.received().map { try Self.messageID(of: $0.message) }).count >= Self.messages }
            }

            let received = try smtp.received().map { (id: try Self.messageID(of: $0.message), bytes: $0.message) }
            let byID = Dictionary(grouping: received, by: \.id)
            #expect(Set(byID.keys) == Set(ids.map { "<\($0)@tickets.example>" }))
            for (id, copies) in byID where copies.count > 1 {
                #expect(Set(copies.map(\.bytes)).count == 1, "\(id) was sent twice with different contents")
            }
            print("outbox crash test: \(Self.messages) messages, \(beforeRestart) received before SIGKILL, "
                  + "\(received.count - byID.count) sent again after the restart")
        }
        let statuses = try await Self.statuses(path: data + "/boxoffice.sqlite")
        #expect(statuses == ["sent": Self.messages])
    }

    static func waitUntil(seconds: Int, _ condition: () throws -> Bool) async throws {
        for _ in 0..<(seconds * 20) {
            if try condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("not done within \(seconds) s")
        throw CancellationError()
    }

    static func messageID(of message: [UInt8]) throws -> String {
        let text = String(decoding: message, as: UTF8.self)
        return try #require(text.firstMatch(of: #/\r\nMessage-ID: (<[^>\r]+>)\r\n/#)?.output.1).description
    }

    /// Writes the messages into a fresh database of the application's, as its services would.
    static func fillOutbox(path: String) async throws -> [String] {
        try await Harness.withSQLiteFile(path) { database in
            try await database.migrate(boxOfficeMigrations, logger: Harness.logger)
            for batch in 0..<(messages / 50) {
                try await database.transaction { session in
                    for index in 0..<50 {
                        let number = batch * 50 + index
                        try await Outbox.enqueue(topic: "account.password_changed", recipientUserID: nil,
                                                 payload: ["email": "person\(number)@example.com", "name": "Person \(number)"],
                                                 at: Date(), on: session)
                    }
                }
            }
            return try await database.withSession { session in
                try await session.raw("SELECT id FROM outbox").all().map { try $0.decode(column: "id", as: String.self) }
            }
        }
    }

    static func statuses(path: String) async throws -> [String: Int] {
        try await Harness.withSQLiteFile(path) { database in
            try await database.withSession { session in
                let rows = try await session.raw("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status").all()
                return Dictionary(uniqueKeysWithValues: try rows.map {
                    (try $0.decode(column: "status", as: String.self), try $0.decode(column: "n", as: Int.self))
                })
            }
        }
    }
}
