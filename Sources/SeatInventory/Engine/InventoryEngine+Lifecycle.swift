extension InventoryEngine {
    /// Turns a live hold into a booking: its seats become sold.
    ///
    /// A hold past its deadline is expired here and then, so a confirmation racing the expiry
    /// sweep has one winner: whichever moves the slot's state word first.
    public func confirm(
        _ hold: HoldID,
        at now: Timestamp,
        idempotencyKey: IdempotencyKey? = nil
    ) throws(InventoryError) -> BookingID {
        try idempotent(idempotencyKey, at: now, request: {
            var fingerprint = RequestFingerprint(operation: 3)
            fingerprint.mix(hold.rawValue)
            return fingerprint
        }, record: RecordedOutcome.booking) { recorded in
            guard case .booking(let booking) = recorded else { return nil }
            return booking
        } operation: { () throws(InventoryError) -> BookingID in
            try changeLog?.admitChange()
            let table = try table(of: hold.reservation, orThrow: .unknownHold(hold))
            let slot = hold.reservation.slot
            while true {
                let state = try liveHoldState(hold, in: table, at: now)
                // The slot's show is fixed while its hold is live, and the transition below fails
                // if the hold stopped being live since.
                unowned(unsafe) let show = try liveShow(table.show(slot)).takeUnretainedValue()
                let booked = state.with(phase: .booked, isBusy: true)
                guard table.transition(slot, from: state, to: booked) else { continue }
                let sequence = drawChangeNumber(show)
                var buffer = SeatBuffer(repeating: 0)
                let count = table.copySeats(slot, into: &buffer)
                changeLog?.logConfirmation(
                    SeatChange(kind: .confirmed, show: show.id, sequence: sequence, reservation: hold.reservation),
                    seats: buffer.span.extracting(0..<count))
                show.sell(buffer.span.extracting(0..<count))
                table.complete(slot, as: booked.with(phase: .booked, isBusy: false))
                report(.confirmed, show.id, sequence, hold.reservation, seats: buffer.span.extracting(0..<count))
                record(.confirmations, shard: table.shard)
                return BookingID(hold.reservation)
            }
        }
    }

    /// Ends a live hold early: its seats become free.
    public func release(
        _ hold: HoldID,
        at now: Timestamp,
        idempotencyKey: IdempotencyKey? = nil
    ) throws(InventoryError) {
        try idempotent(idempotencyKey, at: now, request: {
            var fingerprint = RequestFingerprint(operation: 4)
            fingerprint.mix(hold.rawValue)
            return fingerprint
        }, record: { RecordedOutcome.done }) { recorded in
            guard case .done = recorded else { return nil }
            return ()
        } operation: { () throws(InventoryError) in
            try endEarly(hold, at: now, countedAs: .releases)
        }
    }

    /// Undoes a hold an atomic batch placed before another of its operations was refused: a
    /// release, counted as ``InventoryActivity/rolledBackHolds`` rather than as one asked for.
    public func rollBack(_ hold: HoldID, at now: Timestamp) throws(InventoryError) {
        try endEarly(hold, at: now, countedAs: .rolledBackHolds)
    }

    private func endEarly(_ hold: HoldID, at now: Timestamp, countedAs kind: InventoryActivity) throws(InventoryError) {
        try changeLog?.admitChange()
        let table = try table(of: hold.reservation, orThrow: .unknownHold(hold))
        while true {
            let state = try liveHoldState(hold, in: table, at: now)
            if end(table, hold.reservation.slot, from: state, as: .released, countedAs: kind) { return }
        }
    }

    /// Moves a live hold's deadline to `now + duration`, never past its creation plus the show's
    /// hold lifetime and never earlier than it is; returns the deadline it now has.
    public func extend(
        _ hold: HoldID,
        by duration: Duration,
        at now: Timestamp,
        idempotencyKey: IdempotencyKey? = nil
    ) throws(InventoryError) -> Timestamp {
        try idempotent(idempotencyKey, at: now, request: {
            var fingerprint = RequestFingerprint(operation: 5)
            fingerprint.mix(hold.rawValue)
            fingerprint.mix(duration.wholeMillisecondsRoundedUp)
            return fingerprint
        }, record: RecordedOutcome.deadline) { recorded in
            guard case .deadline(let deadline) = recorded else { return nil }
            return deadline
        } operation: { () throws(InventoryError) -> Timestamp in
            try changeLog?.admitChange()
            let table = try table(of: hold.reservation, orThrow: .unknownHold(hold))
            let slot = hold.reservation.slot
            let extensionMilliseconds = duration.wholeMillisecondsRoundedUp
            while true {
                let state = try liveHoldState(hold, in: table, at: now)
                // Read before the compare-and-swap, which fails if the slot changed meanwhile.
                let lifetimeCap = table.lifetimeCap(slot)
                let wanted = min(now.milliseconds + extensionMilliseconds, lifetimeCap)
                guard wanted > state.deadline else {
                    guard state.deadline < lifetimeCap else {
                        throw .holdLifetimeExhausted(hold, deadline: Timestamp(milliseconds: state.deadline))
                    }
                    return Timestamp(milliseconds: state.deadline)
                }
                if table.transition(slot, from: state, to: state.with(deadline: wanted)) {
                    record(.extensions, shard: table.shard)
                    // Logged after the fact: a racing confirmation or release may be logged first,
                    // and replay ignores an extension of a hold that is no longer live.
                    changeLog?.logExtension(hold, deadline: Timestamp(milliseconds: wanted))
                    return Timestamp(milliseconds: wanted)
                }
            }
        }
    }

    /// Cancels a booking: its seats become free again.
    public func cancel(
        _ booking: BookingID,
        at now: Timestamp,
        idempotencyKey: IdempotencyKey? = nil
    ) throws(InventoryError) {
        try idempotent(idempotencyKey, at: now, request: {
            var fingerprint = RequestFingerprint(operation: 6)
            fingerprint.mix(booking.rawValue)
            return fingerprint
        }, record: { RecordedOutcome.done }) { recorded in
            guard case .done = recorded else { return nil }
            return ()
        } operation: { () throws(InventoryError) in
            try changeLog?.admitChange()
            let table = try table(of: booking.reservation, orThrow: .unknownBooking(booking))
            let slot = booking.reservation.slot
            while true {
                let state = table.state(slot)
                guard state.generation == booking.reservation.generation else {
                    throw state.raw == 0 ? .unknownBooking(booking) : .bookingSuperseded(booking)
                }
                switch state.phase {
                case .booked where state.isBusy:
                    continue  // its confirmation is still marking the seats sold: a few atomic operations
                case .booked:
                    if end(table, slot, from: state, as: .cancelled) { return }
                case .cancelled:
                    throw .bookingCancelled(booking)
                case .vacant, .held, .released, .expired:
                    throw .unknownBooking(booking)
                }
            }
        }
    }

    /// The shard table an id points into, after checking that its shard and slot exist.
    func table(of reservation: ReservationID, orThrow error: InventoryError) throws(InventoryError) -> ReservationTable {
        guard reservation.shard < shards.count, reservation.slot < shards[reservation.shard].capacity else { throw error }
        return shards[reservation.shard]
    }

    /// The slot state of a hold that is live at `now`, or the precise reason it is not. A hold
    /// found past its deadline is expired on the spot.
    func liveHoldState(_ hold: HoldID, in table: ReservationTable, at now: Timestamp) throws(InventoryError) -> ReservationState {
        let slot = hold.reservation.slot
        while true {
            let state = table.state(slot)
            guard state.generation == hold.reservation.generation else {
                throw state.raw == 0 || state.isAhead(hold.reservation.generation) ? .unknownHold(hold) : .holdSuperseded(hold)
            }
            switch state.phase {
            case .held where state.isBusy, .vacant:
                throw .unknownHold(hold)  // claimed but never published, so never given out
            case .held where state.deadline <= now.milliseconds:
                if end(table, slot, from: state, as: .expired) { throw .holdExpired(hold) }
            case .held:
                return state
            case .booked:
                throw .holdAlreadyConfirmed(hold, BookingID(hold.reservation))
            case .released:
                throw .holdReleased(hold)
            case .expired:
                throw .holdExpired(hold)
            case .cancelled:
                throw .holdBookingCancelled(hold, BookingID(hold.reservation))
            }
        }
    }

    /// Ends a live hold or booking whose current state is `state`, freeing its seats, and counts
    /// it as `kind` (by default what `phase` is: a release, an expiry, a cancellation); false
    /// when another transition moved the slot first.
    func end(
        _ table: ReservationTable,
        _ slot: Int,
        from state: ReservationState,
        as phase: ReservationState.Phase,
        countedAs kind: InventoryActivity? = nil
    ) -> Bool {
        let ending = state.with(phase: phase, isBusy: true)
        guard table.transition(slot, from: state, to: ending) else { return false }
        guard let reserved = try? shows.show(table.show(slot)) else {
            preconditionFailure("reservation \(table.shard)/\(slot) names an unknown show")
        }
        unowned(unsafe) let show = reserved.takeUnretainedValue()
        let sequence = drawChangeNumber(show)
        let reservation = ReservationID(shard: table.shard, slot: slot, generation: state.generation)
        let change = SeatChange(kind: SeatChange.Kind(ending: phase), show: show.id, sequence: sequence, reservation: reservation)
        changeLog?.logEnding(change)
        var buffer = SeatBuffer(repeating: 0)
        let count = table.copySeats(slot, into: &buffer)
        let seats = buffer.span.extracting(0..<count)
        if state.phase == .booked { show.sold.clearAll(seats) }
        show.free(seats)
        table.complete(slot, as: ending.with(phase: phase, isBusy: false))
        report(change.kind, show.id, sequence, reservation, seats: seats)
        record(kind ?? InventoryActivity(change.kind), shard: table.shard)
        return true
    }
}
