/// A hold placed on a show.
public struct Hold: Hashable, Sendable {
    public let id: HoldID
    public let show: ShowID
    public let deadline: Timestamp

    public init(id: HoldID, show: ShowID, deadline: Timestamp) {
        self.id = id
        self.show = show
        self.deadline = deadline
    }
}

extension InventoryEngine {
    /// Holds exactly these seats until `now + duration` (at most the show's hold lifetime), all
    /// or none.
    ///
    /// A refusal names the lowest seat that failed and why: unknown, requested twice, held,
    /// sold, blocked, kept empty by the distancing rule, or stranded as a single seat.
    public func holdSeats(
        _ seats: [SeatIndex],
        in showID: ShowID,
        for duration: Duration,
        at now: Timestamp,
        idempotencyKey: IdempotencyKey? = nil
    ) throws(InventoryError) -> Hold {
        try holdSeats(indices: seats.lazy.map(\.rawValue), in: showID, for: duration, at: now, idempotencyKey: idempotencyKey)
    }

    /// ``holdSeats(_:in:for:at:idempotencyKey:)`` for seat indices as a request carries them,
    /// without an array of ``SeatIndex`` made from them.
    public func holdSeats(
        atIndices seats: [UInt32],
        in showID: ShowID,
        for duration: Duration,
        at now: Timestamp,
        idempotencyKey: IdempotencyKey? = nil
    ) throws(InventoryError) -> Hold {
        try holdSeats(indices: seats, in: showID, for: duration, at: now, idempotencyKey: idempotencyKey)
    }

    private func holdSeats(
        indices seats: some RandomAccessCollection<UInt32>,
        in showID: ShowID,
        for duration: Duration,
        at now: Timestamp,
        idempotencyKey: IdempotencyKey?
    ) throws(InventoryError) -> Hold {
        try idempotent(idempotencyKey, at: now, request: {
            var fingerprint = RequestFingerprint(operation: 1)
            fingerprint.mix(UInt64(showID.rawValue))
            fingerprint.mix(duration.wholeMillisecondsRoundedUp)
            for seat in seats { fingerprint.mix(UInt64(seat)) }
            return fingerprint
        }, record: RecordedOutcome.hold) { recorded in
            guard case .hold(let hold) = recorded else { return nil }
            return hold
        } operation: { () throws(InventoryError) -> Hold in
            unowned(unsafe) let show = try liveShow(showID).takeUnretainedValue()
            var buffer = SeatBuffer(repeating: 0)
            let count = try sortSeats(seats, seatCount: show.seatCount, limit: show.rules.seatsPerHoldMax, into: &buffer)
            return try placeHold(
                on: show, seats: buffer.span.extracting(0..<count),
                forMilliseconds: duration.wholeMillisecondsRoundedUp, at: now)
        }
    }

    /// Takes `seats` (sorted, unique, in range) for a new hold, or refuses and changes nothing.
    func placeHold(
        on show: ShowInventory,
        seats: Span<UInt32>,
        forMilliseconds duration: UInt64,
        at now: Timestamp
    ) throws(InventoryError) -> Hold {
        try changeLog?.admitChange()
        let table = shard(of: show.id)
        // The slot comes first: when the table is full no seat is touched.
        guard let reservation = table.claim() else {
            throw .reservationTableFull(shard: table.shard, capacity: table.capacity)
        }
        if let taken = show.take(seats) {
            table.abandon(reservation)
            throw show.refusal(forTakenSeat: taken)
        }
        if show.rules.forbidsSingleSeatGaps, let stranded = show.strandedSeat(besideSorted: seats) {
            show.free(seats)
            table.abandon(reservation)
            throw .ruleViolated(.noSingleSeatGap, seat: SeatIndex(stranded))
        }
        let sequence = drawChangeNumber(show)  // nothing can fail from here on
        let lifetime = show.holdLifetimeMilliseconds
        let deadline = now.milliseconds + max(1, min(duration, lifetime))
        let lifetimeCap = now.milliseconds + lifetime
        changeLog?.logHold(
            SeatChange(kind: .held, show: show.id, sequence: sequence, reservation: reservation), seats: seats,
            deadline: Timestamp(milliseconds: deadline), lifetimeCap: Timestamp(milliseconds: lifetimeCap))
        table.publishHold(reservation, show: show.id, seats: seats, deadline: deadline, lifetimeCap: lifetimeCap)
        report(.held, show.id, sequence, reservation, seats: seats)
        record(.holds, shard: table.shard)
        return Hold(id: HoldID(reservation), show: show.id, deadline: Timestamp(milliseconds: deadline))
    }
}
