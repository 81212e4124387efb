import Foundation
import SeatTestSupport

/// The scripted Twilio-compatible SMS API (`Support/sms-server.py`, Python's standard library
/// only) on a loopback port for one test: it checks every request, answers as Twilio does and
/// reports deliveries to the status callback, signed.
struct SMSServer {
    static let accountSID = "AC0123456789abcdef0123456789abcdef"
    static let authToken = "sms test auth token"
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("sms-server.py").path

    let port: Int
    let log: String
    var baseURL: String { "http://127.0.0.1:\(port)" }

    struct Entry: Decodable {
        var path: String?
        var raw: String?
        var fields: [String: String]?
        var faults: [String]?
        var answered: Int?
        var sid: String?
        /// A status report this server sent, and what the box office answered.
        var report: String?
    }

    static func with<Result: Sendable>(
        failFirst: Int = 0, failStatus: Int = 429, refusing number: String? = nil, _ body: (SMSServer) async throws -> Result
    ) async throws -> Result {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var arguments = ["/usr/bin/python3", script, directory.path + "/port", directory.path + "/log.jsonl", accountSID, authToken,
                         "--fail-first", String(failFirst), "--fail-status", String(failStatus)]
        if let number { arguments += ["--refuse-to", number] }
        let process = try ChildProcess(arguments, output: directory.path + "/sms.log")
        return try await ChildProcess.stopping([process]) {
            var port: Int?
            for _ in 0..<200 where port == nil {
                port = (try? String(contentsOfFile: directory.path + "/port", encoding: .utf8)).flatMap { Int($0) }
                if port == nil { try await Task.sleep(for: .milliseconds(50)) }
            }
            guard let port else { throw MailServer.StartFailed(description: "the SMS server did not start") }
            return try await body(SMSServer(port: port, log: directory.path + "/log.jsonl"))
        }
    }

    func entries() throws -> [Entry] {
        guard let text = try? String(contentsOfFile: log, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Entry.self, from: Data($0.utf8)) }
    }
}
