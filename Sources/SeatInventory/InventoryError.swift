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

    public var description: String { message(in: RefusalContext()) }

    /// The refusal in the words of the show it concerns: seats by label ("C5 is sold", "B2 would
    /// be left a single seat"), limits with their numbers ("12 seats is over this show's limit of
    /// 10"), the categories and sections there are. Without a layout, seats are "seat #index".
    public func message(in context: RefusalContext) -> String {
        let seatName = { (seat: SeatIndex) in context.label(of: seat) }
        switch self {
        case .unknownShow(let show): return "unknown \(show)"
        case .showCancelled(let show): return "\(show) is cancelled"
        case .noSeatsRequested: return "no seats requested"
        case .unknownSeat(let seat):
            return "\(seat) is not in the layout" + (context.layout.map { " (seats #0 to #\($0.seatCount - 1))" } ?? "")
        case .duplicateSeat(let seat): return "\(seatName(seat)) is requested twice"
        case .seatUnavailable(let seat, let conflict): return "\(seatName(seat)) is \(conflict)"
        case .ruleViolated(.noSingleSeatGap, let seat?): return "\(seatName(seat)) would be left a single seat"
        case .ruleViolated(.distancing, let seat?): return "\(seatName(seat)) is kept empty for distancing"
        case .ruleViolated(.seatsPerHold, _):
            guard let requested = context.requestedSeats, let limit = context.rules?.seatsPerHoldMax else {
                return "more seats than this show's limit per hold"
            }
            return "\(requested) seats is over this show's limit of \(limit)"
        case .ruleViolated(let rule, let seat):
            return "refused by the \(rule) rule" + (seat.map { " at \(seatName($0))" } ?? "")
        case .unknownCategory(let category):
            return "unknown category \"\(category)\"" + context.choices(context.layout?.categories.map(\.id))
        case .unknownSection(let section):
            return "unknown section \"\(section)\"" + context.choices(context.layout?.sections.map(\.id))
        case .noBlockAvailable(let shortfall): return "no block available: \(shortfall)"
        case .reservationTableFull(let shard, let capacity):
            return "shard \(shard) holds \(capacity) holds and bookings already"
        case .unknownHold(let hold): return "unknown \(hold)"
        case .unknownBooking(let booking): return "unknown \(booking)"
        case .holdSuperseded(let hold): return "\(hold) ended and its slot was reused"
        case .bookingSuperseded(let booking): return "\(booking) ended and its slot was reused"
        case .holdExpired(let hold): return "\(hold) expired"
        case .holdReleased(let hold): return "\(hold) was released"
        case .holdAlreadyConfirmed(let hold, let booking): return "\(hold) is already confirmed as \(booking)"
        case .holdBookingCancelled(let hold, let booking): return "\(hold) was confirmed as \(booking), since cancelled"
        case .bookingCancelled(let booking): return "\(booking) is cancelled"
        case .holdLifetimeExhausted(let hold, let deadline):
            return "\(hold) is at its maximum lifetime (deadline \(deadline))"
        case .idempotencyKeyReused: return "the idempotency key was used for a different request"
        case .idempotentRequestInProgress: return "a request with this idempotency key is in progress"
        case .changeLogUnavailable(let reason): return "changes cannot be made durable: \(reason)"
        }
    }
}

/// What a refusal concerns, for ``InventoryError/message(in:)``: the show's layout and rules, and
/// how many seats the refused request asked for. Each part is optional; what is missing is
/// worded without it.
public struct RefusalContext: Sendable {
    public var layout: SeatLayout?
    public var rules: ShowRules?
    public var requestedSeats: Int?

    public init(layout: SeatLayout? = nil, rules: ShowRules? = nil, requestedSeats: Int? = nil) {
        self.layout = layout
        self.rules = rules
        self.requestedSeats = requestedSeats
    }

    func label(of seat: SeatIndex) -> String {
        guard let layout, seat.value < layout.seatCount else { return "\(seat)" }
        return layout.label(of: seat)
    }

    /// "; this show has a, b, c", or nothing without a layout.
    func choices(_ ids: [String]?) -> String {
        guard let ids, !ids.isEmpty else { return "" }
        return "; this show has " + ids.joined(separator: ", ")
    }
}
