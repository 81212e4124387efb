@testable import SeatInventory
import Testing

@Suite(.timeLimit(.minutes(1))) struct IdempotencyTests {
    let engine = Fixtures.engine(idempotencyKeysMax: 128, idempotencyWindow: .seconds(60))
    let show: ShowID
    let key = IdempotencyKey(high: 0xfeed, low: 1)

    init() throws {
        show = try engine.createShow(layout: Fixtures.cinema, rules: ShowRules(forbidsSingleSeatGaps: false))
    }

    @Test func aRepeatedHoldReturnsTheFirstHoldAndTakesNothingMore() throws {
        let seats = [SeatIndex(40), SeatIndex(41)]
        let first = try engine.holdSeats(seats, in: show, for: .seconds(30), at: .at(0), idempotencyKey: key)
        let again = try engine.holdSeats(seats, in: show, for: .seconds(30), at: .at(5), idempotencyKey: key)
        #expect(again == first)
        #expect(try engine.availability(of: show).counts.held == 2)
    }

    @Test func aRefusalIsRepeatedToo() throws {
        _ = try engine.holdSeats([SeatIndex(7)], in: show, for: .seconds(30), at: .at(0))
        let request = [SeatIndex(7), SeatIndex(8)]
        let first = refusal { try engine.holdSeats(request, in: show, for: .seconds(30), at: .at(1), idempotencyKey: key) }
        #expect(first == .seatUnavailable(SeatIndex(7), .held))
        #expect(refusal { try engine.holdSeats(request, in: show, for: .seconds(30), at: .at(2), idempotencyKey: key) } == first)
    }

    @Test func confirmationsReleasesAndCancellationsAreIdempotent() throws {
        let hold = try engine.holdSeats([SeatIndex(50)], in: show, for: .seconds(30), at: .at(0)).id
        let confirmKey = IdempotencyKey(high: 1, low: 2)
        let booking = try engine.confirm(hold, at: .at(1), idempotencyKey: confirmKey)
        #expect(try engine.confirm(hold, at: .at(2), idempotencyKey: confirmKey) == booking)
        let cancelKey = IdempotencyKey(high: 1, low: 3)
        try engine.cancel(booking, at: .at(3), idempotencyKey: cancelKey)
        try engine.cancel(booking, at: .at(4), idempotencyKey: cancelKey)
        #expect(refusal { try engine.cancel(booking, at: .at(5)) } == .bookingCancelled(booking), "without the key it is a new request")

        let other = try engine.holdSeats([SeatIndex(60)], in: show, for: .seconds(30), at: .at(0)).id
        let extendKey = IdempotencyKey(high: 1, low: 4)
        #expect(try engine.extend(other, by: .seconds(100), at: .at(10), idempotencyKey: extendKey) == .at(100_010))
        #expect(try engine.extend(other, by: .seconds(100), at: .at(20), idempotencyKey: extendKey) == .at(100_010))
        let releaseKey = IdempotencyKey(high: 1, low: 5)
        try engine.release(other, at: .at(30), idempotencyKey: releaseKey)
        try engine.release(other, at: .at(31), idempotencyKey: releaseKey)

        let blockKey = IdempotencyKey(high: 1, low: 6)
        let block = try engine.holdBestAvailable(BestAvailableRequest(count: 2), in: show, for: .seconds(30), at: .at(40), idempotencyKey: blockKey)
        #expect(try engine.holdBestAvailable(BestAvailableRequest(count: 2), in: show, for: .seconds(30), at: .at(41), idempotencyKey: blockKey) == block)
    }

    @Test func aRepeatWhileTheFirstIsInProgressIsToldSo() throws {
        // What a second thread sees between the first request's admission and its outcome.
        let fingerprint = RequestFingerprint(operation: 1).value
        guard case .fresh = try engine.ledger.admit(key, fingerprint: fingerprint, at: .at(0)) else {
            Issue.record("a new key must be admitted as fresh")
            return
        }
        #expect(throws: InventoryError.idempotentRequestInProgress) {
            try engine.ledger.admit(key, fingerprint: fingerprint, at: .at(1))
        }
        #expect(engine.ledger.finish(IdempotencyEntry(key: key, fingerprint: fingerprint, recordedAt: .at(2), outcome: .success(.done))))
        guard case .replay(.success(.done)) = try engine.ledger.admit(key, fingerprint: fingerprint, at: .at(3)) else {
            Issue.record("a finished key must replay its outcome")
            return
        }
    }

    @Test func aKeyReusedForAnotherRequestIsRefused() throws {
        _ = try engine.holdSeats([SeatIndex(70)], in: show, for: .seconds(30), at: .at(0), idempotencyKey: key)
        #expect(refusal { try engine.holdSeats([SeatIndex(71)], in: show, for: .seconds(30), at: .at(1), idempotencyKey: key) }
            == .idempotencyKeyReused)
        #expect(try engine.state(of: SeatIndex(71), in: show) == .free)
    }

    @Test func keysAreForgottenAfterTheWindow() throws {
        let seats = [SeatIndex(80)]
        let first = try engine.holdSeats(seats, in: show, for: .seconds(30), at: .at(0), idempotencyKey: key)
        try engine.release(first.id, at: .at(1))
        let later = try engine.holdSeats(seats, in: show, for: .seconds(30), at: .at(60_001), idempotencyKey: key)
        #expect(later.id != first.id, "past the window the request runs again")
    }

    @Test func theOldestKeyOfAStripeIsForgottenWhenTheStripeIsFull() throws {
        // 128 keys over 64 stripes: two per stripe. Three keys of one stripe push out the first.
        let stripe = engine.ledger.stripeIndex(IdempotencyKey(high: 9, low: 0))
        let keys = (0..<UInt64(10_000)).lazy.map { IdempotencyKey(high: 9, low: $0) }
            .filter { engine.ledger.stripeIndex($0) == stripe }.prefix(3)
        let seats = [SeatIndex(200), SeatIndex(201), SeatIndex(202)]
        let holds = try zip(seats, keys).map { seat, key in
            try engine.holdSeats([seat], in: show, for: .seconds(30), at: .at(0), idempotencyKey: key)
        }
        #expect(try engine.holdSeats([seats[2]], in: show, for: .seconds(30), at: .at(1), idempotencyKey: Array(keys)[2]) == holds[2])
        #expect(try engine.holdSeats([seats[1]], in: show, for: .seconds(30), at: .at(1), idempotencyKey: Array(keys)[1]) == holds[1])
        #expect(refusal { try engine.holdSeats([seats[0]], in: show, for: .seconds(30), at: .at(1), idempotencyKey: Array(keys)[0]) }
            == .seatUnavailable(seats[0], .held), "forgotten: it ran again and found its own seat taken")
    }

    /// The ledger travels in the engine's image: a new engine loaded from it answers repeats
    /// with the first outcomes, successes and refusals alike, without running them again.
    @Test func rememberedRequestsTravelInTheImage() throws {
        let refusedKey = IdempotencyKey(high: 5, low: 6)
        let held = try engine.holdSeats([SeatIndex(90)], in: show, for: .seconds(300), at: .at(0), idempotencyKey: key)
        #expect(refusal { try engine.holdSeats([SeatIndex(90)], in: show, for: .seconds(300), at: .at(1), idempotencyKey: refusedKey) }
            == .seatUnavailable(SeatIndex(90), .held))
        let image = engine.image()
        #expect(Set(image.idempotency.map(\.key)) == [key, refusedKey])

        let restored = Fixtures.engine()
        try restored.load(image)
        #expect(try restored.holdSeats([SeatIndex(90)], in: show, for: .seconds(300), at: .at(2), idempotencyKey: key) == held)
        // Seat 90 is free nowhere else: the refusal is the remembered one, not a new run.
        try restored.release(held.id, at: .at(3))
        #expect(refusal { try restored.holdSeats([SeatIndex(90)], in: show, for: .seconds(300), at: .at(4), idempotencyKey: refusedKey) }
            == .seatUnavailable(SeatIndex(90), .held))
        #expect(try restored.state(of: SeatIndex(90), in: show) == .free)
    }

    /// Replay appends every remembered request it meets; the image keeps at most twice the
    /// engine's limit, dropping the oldest, so loading still finds the newest.
    @Test func replayKeepsTheImagesRememberedRequestsBounded() {
        var image = InventoryImage(shows: [], shards: [])
        for index in 0..<UInt64(10) {
            image.rememberIdempotent(
                IdempotencyEntry(key: IdempotencyKey(high: 1, low: index), fingerprint: 0, recordedAt: .at(0), outcome: .success(.done)),
                keysMax: 2)
            #expect(image.idempotency.count <= 4)
        }
        #expect(image.idempotency.map(\.key.low).suffix(2) == [8, 9])
    }
}
