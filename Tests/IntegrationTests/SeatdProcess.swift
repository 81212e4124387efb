import Foundation
import SeatClient

/// A real `seatd` process on a loopback port, with its own data directory, started and stopped
/// by a test. Its output goes to a log file in the data directory's parent, kept for diagnosis.
final class SeatdProcess {
    static let apiKey = "crash-test-admin"

    let dataDirectory: String
    let port: Int
    private let process: Process

    /// An executable this package built (`seatd`, `seat-load`), next to the test bundle's build products.
    static func builtExecutable(_ name: String) throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        for configuration in ["debug", "release"] {
            let path = root.appendingPathComponent(".build/\(configuration)/\(name)").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw ProcessError(description: "no \(name) under \(root.path)/.build: run `swift build` first")
    }

    /// Starts seatd and waits (at most `startTimeout`) until it listens.
    init(dataDirectory: String, arguments: [String], startTimeout: Duration = .seconds(60)) async throws {
        self.dataDirectory = dataDirectory
        let portFile = dataDirectory + ".port"
        try? FileManager.default.removeItem(atPath: portFile)
        let log = dataDirectory + ".log"
        if !FileManager.default.fileExists(atPath: log) { _ = FileManager.default.createFile(atPath: log, contents: nil) }
        let logHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        logHandle.seekToEndOfFile()
        process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.builtExecutable("seatd"))
        process.arguments =
            [
                "serve", "--host", "127.0.0.1", "--port", "0", "--port-file", portFile, "--no-metrics",
                "--api-key", "admin:\(Self.apiKey)", "--data-dir", dataDirectory,
            ] + arguments
        process.standardOutput = logHandle
        process.standardError = logHandle
        try process.run()
        let deadline = ContinuousClock.now + startTimeout
        var port: Int?
        while port == nil {
            guard process.isRunning else {
                throw ProcessError(description: "seatd exited with \(process.terminationStatus); see \(log)")
            }
            guard ContinuousClock.now < deadline else {
                process.terminate()
                throw ProcessError(description: "seatd did not listen within \(startTimeout); see \(log)")
            }
            try await Task.sleep(for: .milliseconds(20))
            port = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap {
                Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }
        self.port = port!
    }

    func connect() async throws -> SeatConnection {
        try await Self.connect(port: port)
    }

    static func connect(port: Int) async throws -> SeatConnection {
        try await SeatConnection.connect(host: "127.0.0.1", port: port, apiKey: apiKey, clientName: "crash-test")
    }

    /// SIGKILL: no drain, no final sync; whatever the journal had not synced is gone.
    func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM: drains connections and closes the journal; returns the exit status.
    func stop() -> Int32 {
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }

    struct ProcessError: Error, CustomStringConvertible {
        let description: String
    }
}
