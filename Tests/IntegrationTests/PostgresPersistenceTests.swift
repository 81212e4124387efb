import Foundation
import SeatClient
import SeatPostgres
import SeatProtocol
import SeatTestSupport
import Synchronization
import Testing

/// `seatd --postgres` as a real process against a real PostgreSQL: PostgreSQL is killed in the
/// middle of a load and restarted, after which it holds exactly the bookings the server
/// acknowledged; then the data directory is "lost" and `seatd restore --from-postgres` rebuilds
/// one that serves the same sold seats for every show and never reissues a hold id.
@Suite(.timeLimit(.minutes(5))) struct PostgresPersistenceTests {
    static let shape = ["--shards", "2", "--reservations-per-shard", "16384"]
    /// The sample stadium: 100,000 seats, so random pairs rarely collide.
    static let show: UInt32 = 10

    /// What the clients were told: every hold id issued, and each booking with whether it was cancelled.
    final class Acknowledged: Sendable {
        private let state = Mutex((holds: Set<UInt64>(), bookings: [UInt64: Bool]()))
        func held(_ hold: UInt64) { state.withLock { _ = $0.holds.insert(hold) } }
        func booked(_ booking: UInt64) { state.withLock { $0.bookings[booking] = false } }
        func cancelled(_ booking: UInt64) { state.withLock { $0.bookings[booking] = true } }
        var holds: Set<UInt64> { state.withLock { $0.holds } }
        var bookings: [UInt64: Bool] { state.withLock { $0.bookings } }
    }

    final class StopSignal: Sendable {
        private let flag = Atomic(false)
        func raise() { flag.store(true, ordering: .relaxed) }
        var isRaised: Bool { flag.load(ordering: .relaxed) }
    }

    /// Bookings enough for the test to mean something: over a hundred, some cancelled.
    static func enough(_ bookings: [UInt64: Bool]) -> Bool {
        bookings.count > 100 && bookings.values.contains(true)
    }

    @Test func postgreSQLKilledMidLoadEndsWithExactlyTheAcknowledgedBookingsAndARestoreServesThem() async throws {
        let seed = Environment.value("SEAT_TEST_SEED").flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64.max)
        print("postgres persistence test: seed \(seed) (replay with SEAT_TEST_SEED=\(seed))")
        try await PostgresCluster.with { cluster in
            let root = try TemporaryDirectory()
            defer { root.remove() }
            let data = root.path + "/data"
            // Frequent snapshots: segments become deletable by the snapshots long before PostgreSQL
            // has them, which must not lose them.
            let server = try await SeatdProcess(
                dataDirectory: data,
                arguments: ["--sample-shows", "--postgres", cluster.url, "--snapshot-every-records", "300"] + Self.shape)
            let acknowledged = Acknowledged()
            let stop = StopSignal()
            let port = server.port
            var random = SeededGenerator(seed: seed)
            let workers = (0..<4).map { _ in random.next() }.map { workerSeed in
                Task { await Self.drive(port: port, seed: workerSeed, acknowledged: acknowledged, stop: stop) }
            }
            try await Task.sleep(for: .milliseconds(400))
            try await cluster.kill()
            try await Task.sleep(for: .milliseconds(800))
            let admin = try await server.connect()
            // The persister notices the outage at its next statement; give it (bounded) time.
            let noticeDeadline = ContinuousClock.now + .seconds(20)
            var during = try await Self.statistics(admin)
            while during["postgres_connected"] != 0, ContinuousClock.now < noticeDeadline {
                try await Task.sleep(for: .milliseconds(50))
                during = try await Self.statistics(admin)
            }
            #expect(during["postgres_connected"] == 0, "seed \(seed): \(during)")
            #expect((during["postgres_lag_records"] ?? 0) > 0, "seed \(seed): \(during)")
            try await cluster.start()
            // Load on, after the outage, until it has booked and cancelled enough to check (on a
            // loaded machine that takes longer than the fixed moment it once was).
            let loadDeadline = ContinuousClock.now + .seconds(30)
            try await Task.sleep(for: .milliseconds(400))
            while ContinuousClock.now < loadDeadline, !Self.enough(acknowledged.bookings) {
                try await Task.sleep(for: .milliseconds(50))
            }
            stop.raise()
            for worker in workers { await worker.value }
            let deadline = ContinuousClock.now + .seconds(60)
            var after = try await Self.statistics(admin)
            while after["postgres_lag_records"] != 0 || after["postgres_connected"] != 1 {
                try #require(ContinuousClock.now < deadline, "the persister did not catch up: \(after)")
                try await Task.sleep(for: .milliseconds(50))
                after = try await Self.statistics(admin)
            }
            #expect((after["postgres_failures"] ?? 0) >= 1, "the outage was noticed")
            let served = try await (0...Self.show).asyncMap { try await admin.availability(show: $0).sold }
            await admin.close()
            #expect(try await server.stop() == 0)

            let bookings = acknowledged.bookings
            #expect(Self.enough(bookings), "seed \(seed): the load booked and cancelled")
            let connection = try PostgresConnection(url: cluster.url)
            let rows = try connection.execute(
                "SELECT b.booking_id, c.hold_id IS NOT NULL FROM seat_bookings b LEFT JOIN seat_cancellations c USING (hold_id)")
            var persisted: [UInt64: Bool] = [:]
            for row in 0..<rows.count { persisted[UInt64(rows[row, 0] ?? "") ?? 0] = rows[row, 1] == "t" }
            #expect(persisted == bookings, "seed \(seed): PostgreSQL holds exactly the acknowledged bookings")
            for show in 0...Self.show {
                let seats = try connection.execute(
                    "SELECT seat FROM seat_booked_seats WHERE show_id = $1 AND active ORDER BY seat", [Int64(show)])
                let sold = try (0..<seats.count).map { try seats.integer($0, 0) }
                #expect(sold == Self.members(served[Int(show)]), "seed \(seed): show \(show)")
            }

            // The disk is lost: rebuild from PostgreSQL and serve.
            let restored = root.path + "/restored"
            let restore = ["restore", "--from-postgres", cluster.url, "--data-dir", restored] + Self.shape
            let first = try await SeatdProcess.run(restore)
            #expect(first.status == 0, "\(first.output)")
            let again = try await SeatdProcess.run(restore)
            #expect(again.status != 0 && again.output.contains("already holds"), "a restore into a directory that holds a snapshot is refused: \(again.output)")
            let second = try await SeatdProcess(dataDirectory: restored, arguments: ["--postgres", cluster.url] + Self.shape)
            let client = try await second.connect()
            for show in 0...Self.show {
                let availability = try await client.availability(show: show)
                #expect(availability.sold == served[Int(show)], "seed \(seed): restored show \(show)")
            }
            let issued = acknowledged.holds
            for seat in stride(from: UInt32(0), to: 200, by: 2) {
                guard let hold = try? await client.hold([seat, seat + 1], show: Self.show, for: .seconds(60)) else { continue }
                #expect(!issued.contains(hold.hold), "seed \(seed): the restored server reissued hold id \(hold.hold)")
            }
            await client.close()
            #expect(try await second.stop() == 0)
        }
    }

    /// One connection: hold a random pair, confirm or release it, sometimes cancel a booking.
    static func drive(port: Int, seed: UInt64, acknowledged: Acknowledged, stop: StopSignal) async {
        var random = SeededGenerator(seed: seed)
        guard let connection = try? await SeatdProcess.connect(port: port) else { return }
        var mine: [UInt64] = []
        for _ in 0..<50_000 where !stop.isRaised {
            let seat = UInt32.random(in: 0..<99_990, using: &random)
            guard let hold = try? await connection.hold([seat, seat + 1], show: show, for: .seconds(600)) else { continue }
            acknowledged.held(hold.hold)
            if Int.random(in: 0..<10, using: &random) < 7 {
                guard let booking = try? await connection.confirm(hold.hold) else { continue }
                acknowledged.booked(booking)
                mine.append(booking)
            } else {
                try? await connection.release(hold.hold)
            }
            if Int.random(in: 0..<10, using: &random) == 0, let booking = mine.popLast() {
                if (try? await connection.cancelBooking(booking)) != nil { acknowledged.cancelled(booking) }
            }
        }
        await connection.close()
    }

    static func statistics(_ connection: SeatConnection) async throws -> [String: UInt64] {
        Dictionary(try await connection.stats().map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
    }

    static func members(_ words: [UInt64]) -> [Int64] {
        var seats: [Int64] = []
        for (index, word) in words.enumerated() {
            for bit in 0..<64 where word >> UInt64(bit) & 1 == 1 { seats.append(Int64(index * 64 + bit)) }
        }
        return seats
    }
}
