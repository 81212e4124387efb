import Foundation
import SeatTestSupport

/// One run of `boxoffice serve` as a real process on a test's data directory (for tests that
/// kill it), on a free loopback port, with limits far above what tests send.
struct BoxOfficeProcess {
    let process: ChildProcess
    let base: String

    struct ProcessError: Error, CustomStringConvertible { let description: String }

    static func start(dataDirectory: String, arguments: [String]) async throws -> BoxOfficeProcess {
        let portFile = dataDirectory + "/port"
        try? FileManager.default.removeItem(atPath: portFile)
        let process = try ChildProcess(
            [
                try SeatdProcess.builtExecutable("boxoffice"), "serve", "--data-dir", dataDirectory, "--port", "0",
                "--port-file", portFile, "--no-metrics", "--api-per-second", "100000",
                "--credentials-per-minute", "100000", "--bcrypt-cost", "10", "--log-level", "warning",
            ] + arguments, output: dataDirectory + "/boxoffice.log", appending: true)
        for _ in 0..<600 {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8),
               let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                return BoxOfficeProcess(process: process, base: "http://127.0.0.1:\(port)")
            }
            if let status = process.exitStatusIfEnded() { throw ProcessError(description: "boxoffice exited with \(status)") }
            try await Task.sleep(for: .milliseconds(50))
        }
        _ = try await process.stopped(signal: SIGKILL)
        throw ProcessError(description: "boxoffice did not listen within 30 s; see \(dataDirectory)/boxoffice.log")
    }
}
