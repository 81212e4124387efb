import SeatInventory
import SeatProtocol

extension ErrorReply {
    /// The wire form of an engine refusal: the code, and in the details the seat, hold, booking
    /// or deadline it names (see the error table in `Protocol/README.md`); the message worded
    /// for the show in `context` (seat labels, limits).
    init(_ error: InventoryError, clock: ServerClock, context: RefusalContext = RefusalContext()) {
        let message = error.message(in: context)
        switch error {
        case .unknownShow(let show): self.init(.unknownShow, detail: UInt64(show.rawValue), message: message)
        case .showCancelled(let show): self.init(.showCancelled, detail: UInt64(show.rawValue), message: message)
        case .noSeatsRequested: self.init(.noSeatsRequested, message: message)
        case .unknownSeat(let seat): self.init(.unknownSeat, detail: UInt64(seat.rawValue), message: message)
        case .duplicateSeat(let seat): self.init(.duplicateSeat, detail: UInt64(seat.rawValue), message: message)
        case .seatUnavailable(let seat, let conflict):
            self.init(.seatUnavailable, detail: UInt64(seat.rawValue), secondDetail: UInt64(conflict.rawValue) + 1, message: message)
        case .ruleViolated(let rule, let seat):
            self.init(
                .ruleViolated, detail: UInt64(rule.rawValue) + 1, secondDetail: seat.map { UInt64($0.rawValue) } ?? UInt64.max,
                message: message)
        case .unknownCategory: self.init(.unknownCategory, message: message)
        case .unknownSection: self.init(.unknownSection, message: message)
        case .noBlockAvailable(let shortfall):
            let (kind, number): (UInt64, Int) =
                switch shortfall {
                case .noMatchingSeats: (1, 0)
                case .notEnoughFreeSeats(let free): (2, free)
                case .noAdjacentBlock(let largest): (3, largest)
                case .everyBlockLeavesSingleSeat: (4, 0)
                case .contended: (5, 0)
                }
            self.init(.noBlockAvailable, detail: kind, secondDetail: UInt64(number), message: message)
        case .reservationTableFull(let shard, let capacity):
            self.init(.reservationTableFull, detail: UInt64(shard), secondDetail: UInt64(capacity), message: message)
        case .unknownHold(let hold): self.init(.unknownHold, detail: hold.rawValue, message: message)
        case .unknownBooking(let booking): self.init(.unknownBooking, detail: booking.rawValue, message: message)
        case .holdSuperseded(let hold): self.init(.holdSuperseded, detail: hold.rawValue, message: message)
        case .bookingSuperseded(let booking): self.init(.bookingSuperseded, detail: booking.rawValue, message: message)
        case .holdExpired(let hold): self.init(.holdExpired, detail: hold.rawValue, message: message)
        case .holdReleased(let hold): self.init(.holdReleased, detail: hold.rawValue, message: message)
        case .holdAlreadyConfirmed(let hold, let booking):
            self.init(.holdAlreadyConfirmed, detail: hold.rawValue, secondDetail: booking.rawValue, message: message)
        case .holdBookingCancelled(let hold, let booking):
            self.init(.holdBookingCancelled, detail: hold.rawValue, secondDetail: booking.rawValue, message: message)
        case .bookingCancelled(let booking): self.init(.bookingCancelled, detail: booking.rawValue, message: message)
        case .holdLifetimeExhausted(let hold, let deadline):
            self.init(
                .holdLifetimeExhausted, detail: hold.rawValue, secondDetail: clock.unixMilliseconds(deadline), message: message)
        case .idempotencyKeyReused: self.init(.idempotencyKeyReused, message: message)
        case .idempotentRequestInProgress: self.init(.idempotentRequestInProgress, message: message)
        case .changeLogUnavailable: self.init(.storageUnavailable, message: message)
        }
    }

    init(_ error: ShowCreationError) {
        switch error {
        case .showTableFull: self.init(.capacityExhausted, message: error.description)
        case .changeLogUnavailable: self.init(.storageUnavailable, message: error.description)
        case .seatsPerHoldOutOfRange, .holdLifetimeOutOfRange, .distancingSeatUnknown:
            self.init(.invalidShowRules, message: error.description)
        }
    }
}
