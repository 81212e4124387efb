import Foundation
import SeatTestSupport

/// A real SMTP server (aiosmtpd, PyPI, run by `Support/smtp-server.py`) on a loopback port for
/// one test, keeping each message it accepts as a file. `scripts/test` installs aiosmtpd in
/// `.build/venv-mail`.
struct MailServer {
    let port: Int
    let folder: String
    /// The certificate it presents for STARTTLS (self-signed, for 127.0.0.1), when it offers it.
    let certificate: String?

    static let python = LocalStripe.packageRoot.appendingPathComponent(".build/venv-mail/bin/python").path
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("smtp-server.py").path

    struct NotInstalled: Error, CustomStringConvertible {
        var description: String { "aiosmtpd is not installed at \(MailServer.python): run scripts/test, which installs it" }
    }

    struct StartFailed: Error, CustomStringConvertible {
        var description: String
    }

    struct Received: Decodable {
        var from: String
        var to: [String]
        var tls: Bool
        var authenticated: Bool
    }

    static func with<Result: Sendable>(
        tls: Bool = false, credentials: String? = nil, refusing code: Int? = nil, _ body: (MailServer) async throws -> Result
    ) async throws -> Result {
        guard FileManager.default.isExecutableFile(atPath: python) else { throw NotInstalled() }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let folder = directory.path + "/received"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var arguments = [python, script, directory.path + "/port", folder]
        var certificate: String?
        if tls {
            let openssl = try ChildProcess(
                ["/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                 "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                 "-keyout", directory.path + "/key.pem", "-out", directory.path + "/cert.pem"],
                output: directory.path + "/openssl.log")
            guard try await openssl.exitStatus(within: .seconds(30)) == 0 else { throw StartFailed(description: "openssl could not make a test certificate") }
            arguments += ["--tls", directory.path + "/cert.pem", directory.path + "/key.pem"]
            certificate = directory.path + "/cert.pem"
        }
        if let credentials { arguments += ["--auth", credentials] }
        if let code { arguments += ["--refuse", String(code)] }
        let process = try ChildProcess(arguments, output: directory.path + "/smtp.log")
        do {
            var port: Int?
            for _ in 0..<200 where port == nil {
                port = (try? String(contentsOfFile: directory.path + "/port", encoding: .utf8)).flatMap { Int($0) }
                if port == nil { try await Task.sleep(for: .milliseconds(50)) }
            }
            guard let port else { throw StartFailed(description: "the SMTP server did not start: \((try? String(contentsOfFile: directory.path + "/smtp.log", encoding: .utf8)) ?? "")") }
            let result = try await body(MailServer(port: port, folder: folder, certificate: certificate))
            _ = try await process.stopped()
            return result
        } catch {
            _ = try? await process.stopped()
            throw error
        }
    }

    /// The messages received so far, in order: their bytes and envelope.
    func received() throws -> [(message: [UInt8], envelope: Received)] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".eml") }
            .sorted { Int($0.dropLast(4)) ?? 0 < Int($1.dropLast(4)) ?? 0 }
        return try names.map { name in
            let message = try Data(contentsOf: URL(fileURLWithPath: "\(folder)/\(name)"))
            let envelope = try JSONDecoder().decode(Received.self, from: Data(contentsOf: URL(fileURLWithPath: "\(folder)/\(name.dropLast(4)).json")))
            return (Array(message), envelope)
        }
    }
}
