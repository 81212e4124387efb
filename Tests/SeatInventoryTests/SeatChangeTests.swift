import SeatInventory
import SeatTestSupport
import Testing

/// Records every change it is told of, from any thread.
final class ChangeRecorder: SeatChangeObserver {
    struct Entry: Hashable, Sendable {
        let change: SeatChange
        let seats: [SeatIndex]
    }

    private let entries = Locked<[Entry]>([])

    func seatsChanged(_ change: SeatChange, seats: Span<UInt32>) {
        let copied = (0..<seats.count).map { SeatIndex(seats[$0]) }
        entries.withLock { $0.append(Entry(change: change, seats: copied)) }
    }

    /// Everything recorded so far, in sequence order per show.
    var sorted: [Entry] {
        entries.withLock { $0 }.sorted { ($0.change.show, $0.change.sequence) < ($1.change.show, $1.change.sequence) }
    }
}

@Suite(.timeLimit(.minutes(1))) struct SeatChangeTests {
    @Test func everyTransitionIsReportedOnceInOrder() throws {
        let recorder = ChangeRecorder()
        let engine = Fixtures.engine(observer: recorder)
        let show = try engine.createShow(layout: Fixtures.cinema)
        let first = try engine.holdSeats(Fixtures.seats("C1", "C2"), in: show, for: .seconds(60), at: .at(0))
        let booking = try engine.confirm(first.id, at: .at(1))
        try engine.cancel(booking, at: .at(2))
        let second = try engine.holdSeats(Fixtures.seats("D1"), in: show, for: .seconds(60), at: .at(3))
        try engine.release(second.id, at: .at(4))
        let third = try engine.holdSeats(Fixtures.seats("E1"), in: show, for: .seconds(1), at: .at(5))
        _ = try engine.extend(third.id, by: .seconds(1), at: .at(6))  // extensions change no seat
        #expect(refusal { try engine.holdSeats(Fixtures.seats("E1"), in: show, for: .seconds(1), at: .at(7)) } != nil)
        #expect(engine.expireHolds(at: .at(5_000)) == 1)

        let entries = recorder.sorted
        #expect(entries.map(\.change.kind) == [.held, .confirmed, .cancelled, .held, .released, .held, .expired])
        #expect(entries.map(\.change.sequence) == Array(1...7))
        #expect(entries.map(\.change.reservation) == [
            first.id.reservation, first.id.reservation, first.id.reservation,
            second.id.reservation, second.id.reservation, third.id.reservation, third.id.reservation,
        ])
        #expect(entries[0].seats == Fixtures.seats("C1", "C2"))
        #expect(entries[2].seats == Fixtures.seats("C1", "C2"))
        #expect(entries[6].seats == Fixtures.seats("E1"))
    }

    @Test func aHoldFoundLateIsReportedExpired() throws {
        let recorder = ChangeRecorder()
        let engine = Fixtures.engine(observer: recorder)
        let show = try engine.createShow(layout: Fixtures.cinema)
        let hold = try engine.holdSeats(Fixtures.seats("C1"), in: show, for: .seconds(1), at: .at(0))
        #expect(refusal { try engine.confirm(hold.id, at: .at(2_000)) } == .holdExpired(hold.id))
        #expect(recorder.sorted.map(\.change.kind) == [.held, .expired])
    }

    /// Four threads fight over twelve seats of one show while a fifth sweeps expired holds.
    /// The reported numbers must run 1…n without a gap, and replaying the changes in number
    /// order, seat by seat, must give exactly the engine's final seat map: what a subscriber
    /// that reorders by number would see.
    @Test(arguments: randomizedSeeds(fixed: 2))
    func numbersOrderEachSeatsChangesUnderContention(seed: UInt64) async throws {
        let context = Comment(rawValue: "seed \(seed) (replay with SEAT_TEST_SEED=\(seed))")
        let recorder = ChangeRecorder()
        let engine = Fixtures.engine(seatsPerReservation: 8, observer: recorder)
        let show = try engine.createShow(
            layout: Fixtures.cinema,
            rules: ShowRules(forbidsSingleSeatGaps: false, seatsPerHoldMax: 4, holdLifetimeMax: .seconds(60)))
        let contested = Fixtures.seats("C1", "C2", "C3", "C4", "C5", "C6", "D1", "D2", "D3", "D4", "D5", "D6")
        let clock = ManualClock(startingAt: 1_000)

        await runOnThreads(5) { thread in
            var random = SeededGenerator(seed: seed &+ UInt64(thread))
            var holds: [HoldID] = []
            var bookings: [BookingID] = []
            for step in 0..<20_000 {
                if thread == 4 {
                    clock.advance(by: 1)
                    if step % 16 == 0 { engine.expireHolds(at: clock.now) }
                    continue
                }
                switch Int.random(in: 0..<100, using: &random) {
                case 0..<45:
                    let seats = Set((0..<Int.random(in: 1...3, using: &random)).map { _ in
                        contested.randomElement(using: &random)!
                    })
                    let duration = Duration.milliseconds(Int.random(in: 1...40, using: &random))
                    if let hold = try? engine.holdSeats(Array(seats), in: show, for: duration, at: clock.now) {
                        holds.append(hold.id)
                    }
                case 45..<70 where !holds.isEmpty:
                    if let booking = try? engine.confirm(holds.removeLast(), at: clock.now) { bookings.append(booking) }
                case 70..<85 where !holds.isEmpty:
                    try? engine.release(holds.removeLast(), at: clock.now)
                case 85..<100 where !bookings.isEmpty:
                    try? engine.cancel(bookings.removeFirst(), at: clock.now)
                default:
                    continue
                }
            }
        }

        let entries = recorder.sorted
        #expect(entries.map(\.change.sequence) == Array(1...UInt64(entries.count)), context)
        // Each seat's owner as the replay goes: a change must come from the reservation that
        // owns the seat (or, for a hold, find it free), else two changes were numbered out of order.
        var owners = [SeatIndex: (reservation: ReservationID, state: SeatState)]()
        var misordered = 0
        for entry in entries {
            for seat in entry.seats {
                let owner = owners[seat]
                switch entry.change.kind {
                case .held where owner == nil:
                    owners[seat] = (entry.change.reservation, .held)
                case .confirmed where owner?.reservation == entry.change.reservation && owner?.state == .held:
                    owners[seat] = (entry.change.reservation, .sold)
                case .released, .expired, .cancelled:
                    let ownedAs: SeatState = entry.change.kind == .cancelled ? .sold : .held
                    if owner?.reservation == entry.change.reservation && owner?.state == ownedAs {
                        owners[seat] = nil
                    } else {
                        misordered += 1
                    }
                default:
                    misordered += 1
                }
            }
        }
        #expect(misordered == 0, context)
        let seatMap = try engine.availability(of: show).seats
        for seat in contested {
            #expect((owners[seat]?.state ?? .free) == seatMap.state(of: seat), "\(seat); \(context)")
        }
        #expect(engine.invariantViolations().isEmpty, context)
    }
}
