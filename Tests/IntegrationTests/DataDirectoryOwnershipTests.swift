import Foundation
import SeatClient
import SeatTestSupport
import Testing

/// Two real `seatd` processes on one data directory: the second is refused before it touches
/// anything, and the first's lock dies with it when it is killed, so a restart after a crash
/// works.
@Suite(.timeLimit(.minutes(3))) struct DataDirectoryOwnershipTests {
    @Test func aSecondServerIsRefusedAndAKilledOwnersLockIsReleased() async throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        let data = root.path + "/data"
        let first = try await SeatdProcess(dataDirectory: data, arguments: ["--sample-shows"])
        let connection = try await first.connect()
        let held = try await connection.hold([0, 1], show: 10, for: .seconds(600))
        let booking = try await connection.confirm(held.hold)
        let journalBefore = try Self.contents(of: data + "/journal")
        #expect(!journalBefore.isEmpty)

        let second = try await SeatdProcess.run(
            ["serve", "--port", "0", "--no-metrics", "--api-key", "admin:other", "--data-dir", data])
        #expect(second.status != 0)
        #expect(second.output.contains("the data directory \(data) is in use by another process (PID \(first.process.pid))"), "\(second.output)")
        // restore refuses before it reaches for PostgreSQL (nothing listens on port 1).
        let restore = try await SeatdProcess.run(["restore", "--from-postgres", "postgresql://127.0.0.1:1/none", "--data-dir", data])
        #expect(restore.status != 0 && restore.output.contains("in use by another process"), "\(restore.output)")
        #expect(try Self.contents(of: data + "/journal") == journalBefore, "the refused processes changed no byte of the journal")
        // The owner serves on, undisturbed.
        #expect(try await connection.reservation(booking).status == .booked)
        await connection.close()

        try await first.kill()
        let restarted = try await SeatdProcess(dataDirectory: data, arguments: [])
        let again = try await restarted.connect()
        let reservation = try await again.reservation(booking)
        #expect(reservation.status == .booked && reservation.seats == [0, 1])
        await again.close()
        #expect(try await restarted.stop() == 0)
    }

    /// Every file of a directory by name, with its bytes.
    static func contents(of directory: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
            files[name] = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
        }
        return files
    }
}
