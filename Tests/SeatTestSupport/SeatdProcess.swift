import Foundation
import SeatClient

/// A real `seatd` process on a loopback port, with its own data directory, started and stopped
/// by a test. Its output goes to a log file beside the data directory, kept for diagnosis.
/// Every wait for the process happens off Swift's cooperative pool (``ChildProcess``).
public final class SeatdProcess: Sendable {
    public static let apiKey = "crash-test-admin"
    /// A key with the agent role: holds, confirmations and cancellations, not shows.
    public static let agentKey = "crash-test-agent"

    public let dataDirectory: String
    public let port: Int
    public let process: ChildProcess
    public var log: String { dataDirectory + ".log" }

    /// An executable this package built (`seatd`, `seat-load`), next to the test bundle's build products.
    public static func builtExecutable(_ name: String) throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        for configuration in ["debug", "release"] {
            let path = root.appendingPathComponent(".build/\(configuration)/\(name)").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw ProcessError(description: "no \(name) under \(root.path)/.build: run `swift build` first")
    }

    /// Starts seatd and waits (at most `startTimeout`) until it listens; with `metricsPort`, its
    /// metrics and health checks are served there.
    public init(
        dataDirectory: String, arguments: [String], metricsPort: Int? = nil, startTimeout: Duration = .seconds(60)
    ) async throws {
        self.dataDirectory = dataDirectory
        let portFile = dataDirectory + ".port"
        try? FileManager.default.removeItem(atPath: portFile)
        let log = dataDirectory + ".log"
        process = try ChildProcess(
            [
                try Self.builtExecutable("seatd"), "serve", "--host", "127.0.0.1", "--port", "0", "--port-file", portFile,
                "--api-key", "admin:\(Self.apiKey)", "--api-key", "agent:\(Self.agentKey)", "--data-dir", dataDirectory,
            ] + (metricsPort.map { ["--metrics-port", "\($0)"] } ?? ["--no-metrics"]) + arguments, output: log, appending: true)
        let deadline = ContinuousClock.now + startTimeout
        var port: Int?
        while port == nil {
            if let status = process.exitStatusIfEnded() {
                throw ProcessError(description: "seatd exited with \(status); see \(log)")
            }
            guard ContinuousClock.now < deadline else {
                _ = try await process.stopped(signal: SIGKILL)
                throw ProcessError(description: "seatd did not listen within \(startTimeout); see \(log)")
            }
            try await Task.sleep(for: .milliseconds(20))
            port = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap {
                Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }
        self.port = port!
    }

    /// Runs a seatd command to its end (at most `timeLimit`); its exit status and output.
    public static func run(_ arguments: [String], timeLimit: Duration = .seconds(120)) async throws -> (status: Int32, output: String) {
        let output = try TemporaryDirectory()
        defer { output.remove() }
        let process = try ChildProcess([try builtExecutable("seatd")] + arguments, output: output.path + "/output")
        let status = try await process.exitStatus(within: timeLimit)
        return (status, (try? String(contentsOfFile: output.path + "/output", encoding: .utf8)) ?? "")
    }

    public func connect() async throws -> SeatConnection {
        try await Self.connect(port: port)
    }

    public static func connect(port: Int) async throws -> SeatConnection {
        try await SeatConnection.connect(host: "127.0.0.1", port: port, apiKey: apiKey, clientName: "crash-test")
    }

    /// SIGKILL: no drain, no final sync; whatever the journal had not synced is gone.
    public func kill() async throws {
        _ = try await process.stopped(signal: SIGKILL)
    }

    /// SIGTERM: drains connections and closes the journal; returns the exit status.
    public func stop() async throws -> Int32 {
        try await process.stopped(signal: SIGTERM)
    }

    /// Runs `body` with a server started as by `init`, and stops it afterwards, also when
    /// `body` throws.
    public static func with<Result>(
        dataDirectory: String, arguments: [String], _ body: (SeatdProcess) async throws -> Result
    ) async throws -> Result {
        let server = try await SeatdProcess(dataDirectory: dataDirectory, arguments: arguments)
        do {
            let result = try await body(server)
            _ = try await server.stop()
            return result
        } catch {
            _ = try? await server.stop()
            throw error
        }
    }

    public struct ProcessError: Error, CustomStringConvertible {
        public let description: String
    }
}
