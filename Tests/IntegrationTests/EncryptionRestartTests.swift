import Foundation
import SeatClient
import SeatTestSupport
import Testing

/// `seatd` with encryption on, as a real process: what it acknowledged survives SIGKILL, and a
/// start without the key, or with another key under the same id, is refused with the reason
/// rather than serving an empty or partial state.
@Suite(.timeLimit(.minutes(3))) struct EncryptionRestartTests {
    @Test func anEncryptedServerSurvivesSIGKILLAndRefusesToStartWithoutItsKey() async throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        let data = root.path + "/data"
        let keys = try TestKeys.file(in: root.path, ids: [1])
        let first = try await SeatdProcess(dataDirectory: data, arguments: ["--sample-shows", "--encryption-key-file", keys])
        let connection = try await first.connect()
        let held = try await connection.hold([8, 9], show: 10, for: .seconds(600))
        let booking = try await connection.confirm(held.hold)
        await connection.close()
        try await first.kill()

        let noKey = try await SeatdProcess.run(["serve", "--port", "0", "--no-metrics", "--api-key", "admin:x", "--data-dir", data])
        #expect(noKey.status != 0 && noKey.output.contains("is encrypted (key 1) and no keys were given"), "\(noKey.output)")
        let otherKey = try TestKeys.file(in: root.path, ids: [1], seed: 9, name: "other-keys")
        let wrong = try await SeatdProcess.run(
            ["serve", "--port", "0", "--no-metrics", "--api-key", "admin:x", "--data-dir", data, "--encryption-key-file", otherKey])
        #expect(wrong.status != 0 && wrong.output.contains("does not authenticate under key 1"), "\(wrong.output)")

        let restarted = try await SeatdProcess(dataDirectory: data, arguments: ["--encryption-key-file", keys])
        let again = try await restarted.connect()
        let reservation = try await again.reservation(booking)
        #expect(reservation.status == .booked && reservation.seats == [8, 9])
        await again.close()
        #expect(try await restarted.stop() == 0)
    }
}
