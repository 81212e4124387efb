import Foundation
import SeatClient
import SeatInventory
import SeatJournal
import SeatProtocol
import SeatTestSupport
import Synchronization
import Testing

/// Runs `seatd` as a real process, drives holds, confirmations, releases and cancellations at it
/// from several connections, kills it with SIGKILL at a random moment, restarts it, and checks
/// that every change it acknowledged is there. `SEAT_CRASH_CYCLES` sets the number of cycles
/// (20 by default); `SEAT_TEST_SEED` replays a run.
@Suite(.serialized, .timeLimit(.minutes(10))) struct CrashRecoveryTests {
    static let cycles = Environment.value("SEAT_CRASH_CYCLES").flatMap(Int.init) ?? 20
    /// The sample stadium: 100,000 seats, no single-gap rule, so random pairs rarely collide.
    static let show: UInt32 = 10
    static let shapeArguments = ["--shards", "2", "--reservations-per-shard", "16384", "--snapshot-every-records", "400"]
    static let configuration = InventoryConfiguration(shardCount: 2, reservationsPerShard: 16384)

    @Test func everyAcknowledgedChangeSurvivesSIGKILL() async throws {
        let seed = Environment.value("SEAT_TEST_SEED").flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64.max)
        print("crash test: seed \(seed), \(Self.cycles) cycles (replay with SEAT_TEST_SEED=\(seed))")
        var random = SeededGenerator(seed: seed)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("seat-crash-\(seed)").path
        try? FileManager.default.removeItem(atPath: root)
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let data = root + "/data"
        let ledger = Ledger()
        var acknowledged = 0
        for cycle in 0..<Self.cycles {
            let server = try await SeatdProcess(dataDirectory: data, arguments: ["--sample-shows"] + Self.shapeArguments)
            try await Self.verify(ledger, on: server, cycle: cycle, seed: seed)
            let workerSeeds = (0..<4).map { _ in random.next() }
            let port = server.port
            let workers = Task {
                await withTaskGroup(of: Void.self) { group in
                    for workerSeed in workerSeeds {
                        group.addTask { await Self.drive(port: port, ledger: ledger, seed: workerSeed) }
                    }
                }
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 100...600, using: &random)))
            try await server.kill()
            await workers.value
            acknowledged = ledger.acknowledgedCount
        }
        // The last kill's survivors, then the journal read back in this process: the server's
        // state must equal what a replay of its journal gives.
        let server = try await SeatdProcess(dataDirectory: data, arguments: Self.shapeArguments)
        try await Self.verify(ledger, on: server, cycle: Self.cycles, seed: seed)
        let connection = try await server.connect()
        let served = try await (0...Self.show).asyncMap { try await connection.availability(show: $0) }
        await connection.close()
        #expect(try await server.stop() == 0)
        let (state, _) = try StateRecovery.recover(try DataDirectory(data), configuration: Self.configuration)
        let replayed = try InventoryEngine(configuration: Self.configuration)
        try replayed.load(state.image)
        #expect(replayed.invariantViolations().isEmpty)
        for availability in served {
            let replay = try replayed.availability(of: ShowID(rawValue: availability.show))
            #expect(replay.seats.taken.words == availability.taken, "show \(availability.show), seed \(seed)")
            #expect(replay.seats.sold.words == availability.sold, "show \(availability.show), seed \(seed)")
        }
        print("crash test: \(acknowledged) acknowledged changes checked across \(Self.cycles) kills")
        #expect(acknowledged > Self.cycles, "the load acknowledged too little to test anything")
        try? FileManager.default.removeItem(atPath: root)
    }

    /// One connection's load until the server dies: hold a random pair, then confirm, release
    /// or leave it; sometimes cancel a booking.
    static func drive(port: Int, ledger: Ledger, seed: UInt64) async {
        var random = SeededGenerator(seed: seed)
        guard let connection = try? await SeatdProcess.connect(port: port) else { return }
        defer { Task { await connection.close() } }
        for _ in 0..<100_000 {
            let seat = UInt32.random(in: 0..<99_990, using: &random)
            let hold: HoldReply
            do {
                hold = try await connection.hold([seat, seat + 1], show: show, for: .seconds(600))
            } catch .refused {
                continue
            } catch {
                return
            }
            ledger.record(hold.hold, .held(seats: hold.seats))
            let choice = Int.random(in: 0..<10, using: &random)
            do {
                if choice < 6 {
                    ledger.begin(hold.hold, .booked(seats: hold.seats, booking: BookingID.of(hold.hold)))
                    _ = try await connection.confirm(hold.hold)
                    ledger.record(hold.hold, .booked(seats: hold.seats, booking: BookingID.of(hold.hold)))
                    if choice < 2 {
                        ledger.begin(hold.hold, .cancelled(booking: BookingID.of(hold.hold)))
                        try await connection.cancelBooking(BookingID.of(hold.hold))
                        ledger.record(hold.hold, .cancelled(booking: BookingID.of(hold.hold)))
                    }
                } else if choice < 8 {
                    ledger.begin(hold.hold, .released)
                    try await connection.release(hold.hold)
                    ledger.record(hold.hold, .released)
                }
            } catch .refused(let error) {
                Issue.record("a change to a live hold was refused: \(error)")
                return
            } catch {
                return  // the server died: the change in flight stays uncertain
            }
        }
    }

    /// Checks every reservation the ledger knows against the server, settles the uncertain
    /// ones to what the server has, and checks the show's sold seats are exactly the bookings'.
    static func verify(_ ledger: Ledger, on server: SeatdProcess, cycle: Int, seed: UInt64) async throws {
        let connection = try await server.connect()
        for (hold, entry) in ledger.entries {
            var found = try await Self.observe(hold, on: connection)
            let acceptable = [entry.acknowledged] + (entry.pending.map { [$0] } ?? [])
            if found == .superseded, let ended = acceptable.last(where: \.hasEnded) { found = ended }
            #expect(
                acceptable.contains(found),
                "cycle \(cycle), seed \(seed): hold \(hold) is \(found), acknowledged \(entry.acknowledged)")
            ledger.settle(hold, to: found)
        }
        let availability = try await connection.availability(show: show)
        var sold = Set<UInt32>()
        var bookedSeats = 0
        for (_, entry) in ledger.entries {
            guard case .booked(let seats, _) = entry.acknowledged else { continue }
            sold.formUnion(seats)
            bookedSeats += seats.count
        }
        #expect(sold.count == bookedSeats, "cycle \(cycle), seed \(seed): a seat belongs to two bookings")
        var soldOnServer = Set<UInt32>()
        for (index, word) in availability.sold.enumerated() {
            for bit in 0..<64 where word & (1 << UInt64(bit)) != 0 { soldOnServer.insert(UInt32(index * 64 + bit)) }
        }
        #expect(soldOnServer == sold, "cycle \(cycle), seed \(seed): sold seats differ from the acknowledged bookings")
        await connection.close()
    }

    static func observe(_ hold: UInt64, on connection: SeatConnection) async throws -> Ledger.State {
        let booking = BookingID.of(hold)
        do {
            let reply = try await connection.reservation(booking)
            return .booked(seats: reply.seats, booking: booking)
        } catch .refused(let error) where error.code == .bookingCancelled {
            return .cancelled(booking: booking)
        } catch .refused {
            // Not a booking: look at the hold.
        }
        do {
            let reply = try await connection.reservation(hold)
            return .held(seats: reply.seats)
        } catch .refused(let error) where error.code == .holdReleased {
            return .released
        } catch .refused(let error) where error.code == .holdSuperseded {
            return .superseded
        }
    }
}

extension BookingID {
    /// The booking a confirmed hold becomes: the same slot and generation, with the booking bit.
    static func of(_ hold: UInt64) -> UInt64 { hold | 1 << 63 }
}

/// What the client was told about each hold, and the change it was waiting for, if any.
final class Ledger: Sendable {
    enum State: Hashable, CustomStringConvertible {
        case held(seats: [UInt32])
        case booked(seats: [UInt32], booking: UInt64)
        case released
        case cancelled(booking: UInt64)
        /// Ended, and its slot reused since, so the server no longer says how it ended.
        case superseded

        var hasEnded: Bool {
            switch self {
            case .released, .cancelled, .superseded: true
            case .held, .booked: false
            }
        }

        var description: String {
            switch self {
            case .held(let seats): "held \(seats)"
            case .booked(let seats, _): "booked \(seats)"
            case .released: "released"
            case .cancelled: "cancelled"
            case .superseded: "ended, its slot reused"
            }
        }
    }

    struct Entry {
        var acknowledged: State
        /// A change sent and not answered: after a crash it may or may not have happened.
        var pending: State?
    }

    private let state = Mutex<(entries: [UInt64: Entry], acknowledged: Int)>(([:], 0))

    func record(_ hold: UInt64, _ acknowledged: State) {
        state.withLock {
            $0.entries[hold] = Entry(acknowledged: acknowledged, pending: nil)
            $0.acknowledged += 1
        }
    }

    func begin(_ hold: UInt64, _ change: State) {
        state.withLock { $0.entries[hold]?.pending = change }
    }

    func settle(_ hold: UInt64, to found: State) {
        state.withLock { $0.entries[hold] = Entry(acknowledged: found, pending: nil) }
    }

    var entries: [(UInt64, Entry)] { state.withLock { Array($0.entries) } }
    var acknowledgedCount: Int { state.withLock { $0.acknowledged } }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async throws -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
