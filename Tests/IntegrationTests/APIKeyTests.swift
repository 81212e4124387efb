import Foundation
import SeatClient
import SeatProtocol
import SeatTestSupport
import Testing

/// API keys as data: made, listed, rotated and revoked by an admin over the protocol, kept
/// through SIGKILL and snapshots, and made once at a new server's first start.
@Suite(.timeLimit(.minutes(3))) struct APIKeyTests {
    @Test func keysMadeByAnAdminSurviveSIGKILLAndSnapshotsAndRotateAndRevoke() async throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        let data = root.path + "/data"
        let first = try await SeatdProcess(dataDirectory: data, arguments: ["--sample-shows"])
        let admin = try await first.connect()
        let agent = try await admin.createAPIKey(role: .agent, name: "box office")
        let reader = try await admin.createAPIKey(role: .reader, name: "display")
        _ = try await admin.snapshot()  // the first two in the snapshot, the third in the journal after it
        let spare = try await admin.createAPIKey(role: .agent, name: "spare")
        let listed = try await admin.apiKeys()
        #expect(listed.map(\.id) == [agent.id, reader.id, spare.id] && listed.map(\.role) == [.agent, .reader, .agent])
        #expect(listed.map(\.name) == ["box office", "display", "spare"] && !listed.contains(where: \.isRevoked))
        // A reader may not manage keys.
        let readerConnection = try await SeatConnection.connect(host: "127.0.0.1", port: first.port, apiKey: reader.key)
        await #expect { _ = try await readerConnection.apiKeys() } throws: { ($0 as? SeatClientError)?.code == .forbidden }
        await readerConnection.close()
        await admin.close()
        try await first.kill()

        let second = try await SeatdProcess(dataDirectory: data, arguments: [])
        let agentConnection = try await SeatConnection.connect(host: "127.0.0.1", port: second.port, apiKey: agent.key)
        _ = try await agentConnection.hold([30], show: 10, for: .seconds(60))
        await agentConnection.close()
        let admin2 = try await second.connect()
        let rotated = try await admin2.rotateAPIKey(agent.id)
        try await admin2.revokeAPIKey(spare.id)
        await #expect { try await admin2.revokeAPIKey(999) } throws: { ($0 as? SeatClientError)?.code == .unknownAPIKey }
        await admin2.close()
        for (key, works) in [(agent.key, false), (spare.key, false), (rotated.key, true), (reader.key, true)] {
            var connected = false
            do {
                let connection = try await SeatConnection.connect(host: "127.0.0.1", port: second.port, apiKey: key)
                connected = true
                await connection.close()
            } catch {
                #expect(error.code == .authenticationFailed, "\(error)")
            }
            #expect(connected == works, "key \(key.prefix(8))… should work: \(works)")
        }
        #expect(try await second.stop() == 0)

        // The revocations and the rotation are journaled too.
        let third = try await SeatdProcess(dataDirectory: data, arguments: [])
        let admin3 = try await third.connect()
        let final = try await admin3.apiKeys()
        #expect(final.filter(\.isRevoked).map(\.id).sorted() == [agent.id, spare.id])
        #expect(final.contains { $0.id == rotated.id && $0.role == .agent && !$0.isRevoked })
        await admin3.close()
        #expect(try await third.stop() == 0)
    }

    /// A new server given no key makes one per role, stores them and prints them once; the
    /// next start makes none and the printed keys still work.
    @Test func theFirstStartMakesKeysOnceAndLaterStartsKeepThem() async throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        let data = root.path + "/data"
        func start(_ log: String) async throws -> (ChildProcess, Int) {
            let portFile = root.path + "/port"
            try? FileManager.default.removeItem(atPath: portFile)
            let process = try ChildProcess(
                [try SeatdProcess.builtExecutable("seatd"), "serve", "--port", "0", "--port-file", portFile, "--no-metrics",
                 "--data-dir", data], output: root.path + "/" + log)
            for _ in 0..<3000 where !FileManager.default.fileExists(atPath: portFile) { try await Task.sleep(for: .milliseconds(10)) }
            let port = try #require(Int((try String(contentsOfFile: portFile, encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)))
            return (process, port)
        }
        let (first, firstPort) = try await start("first.log")
        _ = firstPort
        #expect(try await first.stopped() == 0)
        let printed = try String(contentsOfFile: root.path + "/first.log", encoding: .utf8)
        let adminKey = try #require(printed.split(separator: "\n").first { $0.contains("for admin: ") }?.split(separator: " ").last)

        let (second, port) = try await start("second.log")
        let connection = try await SeatConnection.connect(host: "127.0.0.1", port: port, apiKey: String(adminKey))
        #expect(try await connection.apiKeys().map(\.role) == [.admin, .agent, .reader])
        await connection.close()
        #expect(try await second.stopped() == 0)
        let again = try String(contentsOfFile: root.path + "/second.log", encoding: .utf8)
        #expect(!again.contains("for admin: "), "no key is made or printed again: \(again)")
    }
}
