/// Why a seat cannot be taken.
public enum SeatConflict: UInt8, Hashable, Sendable, CustomStringConvertible {
    /// Another customer's hold has it.
    case held
    /// A booking has it.
    case sold
    /// The layout marks it blocked (a house seat, a broken seat, a camera position).
    case blocked

    public var description: String {
        switch self {
        case .held: "held"
        case .sold: "sold"
        case .blocked: "blocked"
        }
    }
}

/// A per-show sales rule.
public enum ShowRule: UInt8, Hashable, Sendable, CustomStringConvertible {
    /// No hold may leave a single free seat stranded between taken seats, aisles or row ends.
    case noSingleSeatGap
    /// A hold may take at most ``ShowRules/seatsPerHoldMax`` seats.
    case seatsPerHold
    /// The show's distancing mask keeps this seat empty.
    case distancing

    public var description: String {
        switch self {
        case .noSingleSeatGap: "no single-seat gap"
        case .seatsPerHold: "seats per hold"
        case .distancing: "distancing"
        }
    }
}

/// Why best-available found no block, from the most to the least fundamental reason.
public enum BestAvailableShortfall: Error, Hashable, Sendable, CustomStringConvertible {
    /// No seat of the layout matches the filter at all.
    case noMatchingSeats
    /// Fewer matching seats are free than requested.
    case notEnoughFreeSeats(free: Int)
    /// Enough matching seats are free, but no `count` of them sit together in one row.
    case noAdjacentBlock(largestBlock: Int)
    /// Blocks exist, but every one would strand a single seat (the show's no-gap rule).
    case everyBlockLeavesSingleSeat
    /// Concurrent holds took every block this request chose, ``InventoryLimits/bestAvailableAttemptsMax`` times.
    case contended

    public var description: String {
        switch self {
        case .noMatchingSeats: "no seat matches the filter"
        case .notEnoughFreeSeats(let free): "only \(free) matching seats are free"
        case .noAdjacentBlock(let largest): "the largest block of adjacent free seats is \(largest)"
        case .everyBlockLeavesSingleSeat: "every free block would leave a single seat"
        case .contended: "every chosen block was taken concurrently; retry"
        }
    }
}

/// Why the engine refused an operation. Every refusal leaves the inventory unchanged.
public enum InventoryError: Error, Hashable, Sendable, CustomStringConvertible {
    case unknownShow(ShowID)
    case showCancelled(ShowID)
    /// A hold asked for no seats.
    case noSeatsRequested
    /// The seat index is not in the show's layout.
    case unknownSeat(SeatIndex)
    /// The request names the same seat twice.
    case duplicateSeat(SeatIndex)
    /// The seat is taken; holds take all their seats or none, and this is the lowest one that failed.
    case seatUnavailable(SeatIndex, SeatConflict)
    /// A show rule refuses the request; `seat` names the seat it concerns when there is one.
    case ruleViolated(ShowRule, seat: SeatIndex?)
    /// The filter names a category or section the layout does not have.
    case unknownCategory(String)
    case unknownSection(String)
    case noBlockAvailable(BestAvailableShortfall)
    /// The shard's reservation table is full of holds and bookings.
    case reservationTableFull(shard: Int, capacity: Int)
    /// The id does not name a hold or booking of this engine.
    case unknownHold(HoldID)
    case unknownBooking(BookingID)
    /// The slot of this id now belongs to a newer hold: the id's hold ended long ago.
    case holdSuperseded(HoldID)
    case bookingSuperseded(BookingID)
    case holdExpired(HoldID)
    case holdReleased(HoldID)
    /// The hold was confirmed already; this is its booking.
    case holdAlreadyConfirmed(HoldID, BookingID)
    /// The hold was confirmed, and that booking has since been cancelled.
    case holdBookingCancelled(HoldID, BookingID)
    case bookingCancelled(BookingID)
    /// The hold's deadline is already at its maximum lifetime; it cannot be extended.
    case holdLifetimeExhausted(HoldID, deadline: Timestamp)
    /// The idempotency key was used before for a different request.
    case idempotencyKeyReused
    /// A request with this idempotency key is being processed right now.
    case idempotentRequestInProgress
    /// The change log (the journal) takes no more changes: why, in its words.
    case changeLogUnavailable(String)

    public var description: String {
        switch self {
        case .unknownShow(let show): "unknown \(show)"
        case .showCancelled(let show): "\(show) is cancelled"
        case .noSeatsRequested: "no seats requested"
        case .unknownSeat(let seat): "\(seat) is not in the layout"
        case .duplicateSeat(let seat): "\(seat) is requested twice"
        case .seatUnavailable(let seat, let conflict): "\(seat) is \(conflict)"
        case .ruleViolated(let rule, let seat):
            "refused by the \(rule) rule" + (seat.map { " at \($0)" } ?? "")
        case .unknownCategory(let category): "unknown category \"\(category)\""
        case .unknownSection(let section): "unknown section \"\(section)\""
        case .noBlockAvailable(let shortfall): "no block available: \(shortfall)"
        case .reservationTableFull(let shard, let capacity):
            "shard \(shard) holds \(capacity) holds and bookings already"
        case .unknownHold(let hold): "unknown \(hold)"
        case .unknownBooking(let booking): "unknown \(booking)"
        case .holdSuperseded(let hold): "\(hold) ended and its slot was reused"
        case .bookingSuperseded(let booking): "\(booking) ended and its slot was reused"
        case .holdExpired(let hold): "\(hold) expired"
        case .holdReleased(let hold): "\(hold) was released"
        case .holdAlreadyConfirmed(let hold, let booking): "\(hold) is already confirmed as \(booking)"
        case .holdBookingCancelled(let hold, let booking): "\(hold) was confirmed as \(booking), since cancelled"
        case .bookingCancelled(let booking): "\(booking) is cancelled"
        case .holdLifetimeExhausted(let hold, let deadline):
            "\(hold) is at its maximum lifetime (deadline \(deadline))"
        case .idempotencyKeyReused: "the idempotency key was used for a different request"
        case .idempotentRequestInProgress: "a request with this idempotency key is in progress"
        case .changeLogUnavailable(let reason): "changes cannot be made durable: \(reason)"
        }
    }
}
