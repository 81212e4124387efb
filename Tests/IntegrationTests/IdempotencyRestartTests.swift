import Foundation
import SeatClient
import SeatProtocol
import SeatTestSupport
import Testing

/// A request repeated with its idempotency key after `seatd` was killed with SIGKILL gets the
/// first outcome back: the same hold, the same booking, the same refusal; nothing runs twice.
@Suite(.timeLimit(.minutes(3))) struct IdempotencyRestartTests {
    @Test func repeatsAfterSIGKILLGetTheFirstOutcomes() async throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        let data = root.path + "/data"
        let holdKey = WireIdempotencyKey(high: 1, low: 1)
        let confirmKey = WireIdempotencyKey(high: 1, low: 2)
        let refusedKey = WireIdempotencyKey(high: 1, low: 3)

        let first = try await SeatdProcess(dataDirectory: data, arguments: ["--sample-shows"])
        let connection = try await first.connect()
        let held = try await connection.hold([4, 5], show: 10, for: .seconds(600), idempotencyKey: holdKey)
        let booking = try await connection.confirm(held.hold, idempotencyKey: confirmKey)
        let refusal = try await Self.refusal { () async throws(SeatClientError) in try await connection.hold([5, 6], show: 10, for: .seconds(600), idempotencyKey: refusedKey) }
        #expect(refusal?.code == .seatUnavailable)
        await connection.close()
        try await first.kill()

        let second = try await SeatdProcess(dataDirectory: data, arguments: [])
        let again = try await second.connect()
        // Seat 6 is free, so a refusal now can only be the remembered one.
        #expect(try await again.availability(show: 10).counts.held == 0)
        let heldAgain = try await again.hold([4, 5], show: 10, for: .seconds(600), idempotencyKey: holdKey)
        #expect(heldAgain.hold == held.hold)
        #expect(try await again.confirm(held.hold, idempotencyKey: confirmKey) == booking)
        let refusalAgain = try await Self.refusal { () async throws(SeatClientError) in try await again.hold([5, 6], show: 10, for: .seconds(600), idempotencyKey: refusedKey) }
        #expect(refusalAgain == refusal)
        let counts = try await again.availability(show: 10).counts
        #expect(counts.held == 0 && counts.sold == 2, "nothing ran twice: \(counts)")
        await again.close()
        #expect(try await second.stop() == 0)
    }

    static func refusal(_ request: () async throws(SeatClientError) -> HoldReply) async throws -> ErrorReply? {
        do {
            _ = try await request()
            return nil
        } catch .refused(let reply) {
            return reply
        }
    }
}
