import SeatInventory
import SeatTestSupport
import Testing
@testable import SeatJournal

/// Remembered idempotent requests survive the journal and snapshots exactly: every kind of
/// success and every refusal the engine can give.
@Suite(.timeLimit(.minutes(1))) struct IdempotencyCodingTests {
    static let hold = HoldID(rawValue: 3 << 22 | 7)!
    static let booking = BookingID(rawValue: hold.rawValue | 1 << 63)!
    static let refusals: [InventoryError] = [
        .unknownShow(ShowID(rawValue: 4)), .showCancelled(ShowID(rawValue: 5)), .noSeatsRequested,
        .unknownSeat(SeatIndex(9)), .duplicateSeat(SeatIndex(10)), .seatUnavailable(SeatIndex(11), .sold),
        .ruleViolated(.noSingleSeatGap, seat: SeatIndex(12)), .ruleViolated(.seatsPerHold, seat: nil),
        .unknownCategory("vip"), .unknownSection("Balcón"),
        .noBlockAvailable(.noMatchingSeats), .noBlockAvailable(.notEnoughFreeSeats(free: 3)),
        .noBlockAvailable(.noAdjacentBlock(largestBlock: 2)), .noBlockAvailable(.everyBlockLeavesSingleSeat),
        .noBlockAvailable(.contended), .reservationTableFull(shard: 1, capacity: 4096),
        .unknownHold(hold), .unknownBooking(booking), .holdSuperseded(hold), .bookingSuperseded(booking),
        .holdExpired(hold), .holdReleased(hold), .holdAlreadyConfirmed(hold, booking), .holdBookingCancelled(hold, booking),
        .bookingCancelled(booking), .holdLifetimeExhausted(hold, deadline: Timestamp(milliseconds: 99)),
        .idempotencyKeyReused, .idempotentRequestInProgress, .changeLogUnavailable("disk full"),
    ]
    static let successes: [RecordedOutcome] = [
        .hold(Hold(id: hold, show: ShowID(rawValue: 2), deadline: Timestamp(milliseconds: 1_000))),
        .blockHold(BlockHold(hold: Hold(id: hold, show: ShowID(rawValue: 2), deadline: Timestamp(milliseconds: 5)), seats: 40..<44)),
        .booking(booking), .deadline(Timestamp(milliseconds: 77)), .done,
    ]

    @Test func everyRefusalKindIsCovered() {
        #expect(Set(Self.refusals.map(RefusalCode.init)) == Set(RefusalCode.allCases))
    }

    @Test func everyOutcomeRoundTripsThroughItsRecord() throws {
        let outcomes = Self.refusals.map { Result<RecordedOutcome, InventoryError>.failure($0) } + Self.successes.map { .success($0) }
        for (index, outcome) in outcomes.enumerated() {
            let entry = IdempotencyEntry(
                key: IdempotencyKey(high: UInt64(index), low: .max - UInt64(index)), fingerprint: 0xabc + UInt64(index),
                recordedAt: Timestamp(milliseconds: 123_456), outcome: outcome)
            let (type, payload) = EngineRecord.idempotentOutcome(entry).encoded
            let decoded = try EngineRecord(JournalRecord(lsn: 1, type: type, payload: payload))
            #expect(decoded == .idempotentOutcome(entry), "\(outcome)")
        }
    }

    @Test func aTruncatedOrUnknownOutcomeIsRefused() throws {
        let entry = IdempotencyEntry(key: IdempotencyKey(high: 1, low: 2), fingerprint: 3, recordedAt: Timestamp(milliseconds: 4), outcome: .success(.done))
        let (type, payload) = EngineRecord.idempotentOutcome(entry).encoded
        #expect(throws: PayloadDecodingError.self) { try EngineRecord(JournalRecord(lsn: 1, type: type, payload: Array(payload.dropLast()))) }
        var unknown = payload
        unknown[unknown.count - 1] = 200
        #expect(throws: PayloadDecodingError.self) { try EngineRecord(JournalRecord(lsn: 1, type: type, payload: unknown)) }
    }

    /// Keys before a snapshot come back from it, keys after it from the journal: a recovered
    /// engine answers every repeat with the first outcome.
    @Test func keysComeBackFromTheSnapshotAndTheJournal() async throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        let live = try JournaledEngine(in: temporary.path)
        let show = ShowID(rawValue: 1)
        func key(_ index: Int) -> IdempotencyKey { IdempotencyKey(high: 42, low: UInt64(index)) }
        func hold(_ index: Int, at now: UInt64, on engine: InventoryEngine) -> Result<Hold, InventoryError> {
            Result { () throws(InventoryError) in
                // Pairs 0 and 1 ask for the same seats: the second is refused.
                let seat = SeatIndex(index == 1 ? 0 : index * 2)
                return try engine.holdSeats([seat], in: show, for: .seconds(600), at: Timestamp(milliseconds: now), idempotencyKey: key(index))
            }
        }
        var first: [Result<Hold, InventoryError>] = (0..<4).map { hold($0, at: 1_000, on: live.engine) }
        _ = try await OwnThread.run { try Snapshotter(engine: live.engine, journal: live.journal, directory: live.directory).takeSnapshot() }
        first += (4..<8).map { hold($0, at: 2_000, on: live.engine) }
        try await live.journal.writer.closed()
        guard case .failure(.seatUnavailable) = first[1] else {
            Issue.record("the second request was meant to be refused: \(first[1])")
            return
        }

        let (recovered, report) = try live.recovered()
        #expect(report.snapshot != nil && report.replayedRecords > 0)
        for index in 0..<8 {
            #expect(hold(index, at: 3_000, on: recovered) == first[index], "key \(index)")
        }
        #expect(try recovered.availability(of: show).counts.held == 7, "no repeat held anything more")
        #expect(recovered.image().claimCursors == live.engine.image().claimCursors, "claims go on where they stood")
    }
}
