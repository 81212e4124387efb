import SeatInventory

/// How a remembered idempotent request is stored, in its journal record and in snapshots:
/// key high u64, key low u64, fingerprint u64, recorded at ms u64, then the outcome.
///
/// An outcome is a tag u8 and its fields. Successes: 1 hold (hold u64, show u32, deadline ms
/// u64), 2 block hold (the same, then first seat u32, seat count u32), 3 booking (u64),
/// 4 deadline (ms u64), 5 done. A refusal is tag 0, then the ``InventoryError`` as a code u8
/// and its fields (``RefusalCode``), so that a repeat after a restart gets the same refusal.
extension PayloadWriter {
    mutating func write(idempotencyEntry entry: IdempotencyEntry) {
        write(entry.key.high)
        write(entry.key.low)
        write(entry.fingerprint)
        write(entry.recordedAt.milliseconds)
        switch entry.outcome {
        case .success(.hold(let hold)):
            write(UInt8(1))
            write(hold: hold)
        case .success(.blockHold(let block)):
            write(UInt8(2))
            write(hold: block.hold)
            write(UInt32(block.seats.lowerBound))
            write(UInt32(block.seats.count))
        case .success(.booking(let booking)):
            write(UInt8(3))
            write(booking.rawValue)
        case .success(.deadline(let deadline)):
            write(UInt8(4))
            write(deadline.milliseconds)
        case .success(.done):
            write(UInt8(5))
        case .failure(let refusal):
            write(UInt8(0))
            write(refusal: refusal)
        }
    }

    private mutating func write(hold: Hold) {
        write(hold.id.rawValue)
        write(hold.show.rawValue)
        write(hold.deadline.milliseconds)
    }

    private mutating func write(refusal: InventoryError) {
        write(RefusalCode(refusal).rawValue)
        switch refusal {
        case .unknownShow(let show), .showCancelled(let show): write(show.rawValue)
        case .noSeatsRequested, .idempotencyKeyReused, .idempotentRequestInProgress: break
        case .unknownSeat(let seat), .duplicateSeat(let seat): write(seat.rawValue)
        case .seatUnavailable(let seat, let conflict):
            write(seat.rawValue)
            write(conflict.rawValue)
        case .ruleViolated(let rule, let seat):
            write(rule.rawValue)
            write(seat != nil)
            write(seat?.rawValue ?? 0)
        case .unknownCategory(let name), .unknownSection(let name), .changeLogUnavailable(let name):
            write(bytes: Array(name.utf8.prefix(RefusalCode.textBytesMax)))
        case .noBlockAvailable(let shortfall):
            switch shortfall {
            case .noMatchingSeats: write(UInt8(0)); write(UInt64(0))
            case .notEnoughFreeSeats(let free): write(UInt8(1)); write(UInt64(free))
            case .noAdjacentBlock(let largest): write(UInt8(2)); write(UInt64(largest))
            case .everyBlockLeavesSingleSeat: write(UInt8(3)); write(UInt64(0))
            case .contended: write(UInt8(4)); write(UInt64(0))
            }
        case .reservationTableFull(let shard, let capacity):
            write(UInt64(shard))
            write(UInt64(capacity))
        case .unknownHold(let hold), .holdSuperseded(let hold), .holdExpired(let hold), .holdReleased(let hold):
            write(hold.rawValue)
        case .unknownBooking(let booking), .bookingSuperseded(let booking), .bookingCancelled(let booking):
            write(booking.rawValue)
        case .holdAlreadyConfirmed(let hold, let booking), .holdBookingCancelled(let hold, let booking):
            write(hold.rawValue)
            write(booking.rawValue)
        case .holdLifetimeExhausted(let hold, let deadline):
            write(hold.rawValue)
            write(deadline.milliseconds)
        }
    }
}

extension PayloadReader {
    mutating func readIdempotencyEntry() throws(PayloadDecodingError) -> IdempotencyEntry {
        let key = IdempotencyKey(high: try read(UInt64.self, "key"), low: try read(UInt64.self, "key"))
        let fingerprint = try read(UInt64.self, "fingerprint")
        let recordedAt = Timestamp(milliseconds: try read(UInt64.self, "recorded at"))
        let outcome: Result<RecordedOutcome, InventoryError>
        switch try read(UInt8.self, "outcome") {
        case 0: outcome = .failure(try readRefusal())
        case 1: outcome = .success(.hold(try readHold()))
        case 2:
            let hold = try readHold()
            let first = Int(try read(UInt32.self, "first seat"))
            let count = Int(try read(UInt32.self, "seat count"))
            outcome = .success(.blockHold(BlockHold(hold: hold, seats: first..<first + count)))
        case 3: outcome = .success(.booking(try readBooking()))
        case 4: outcome = .success(.deadline(Timestamp(milliseconds: try read(UInt64.self, "deadline"))))
        case 5: outcome = .success(.done)
        case let other: throw PayloadDecodingError(description: "unknown idempotent outcome \(other)")
        }
        return IdempotencyEntry(key: key, fingerprint: fingerprint, recordedAt: recordedAt, outcome: outcome)
    }

    private mutating func readHold() throws(PayloadDecodingError) -> Hold {
        let id = try readHoldID()
        let show = ShowID(rawValue: try read(UInt32.self, "show"))
        return Hold(id: id, show: show, deadline: Timestamp(milliseconds: try read(UInt64.self, "deadline")))
    }

    private mutating func readHoldID() throws(PayloadDecodingError) -> HoldID {
        let raw = try read(UInt64.self, "hold")
        guard let hold = HoldID(rawValue: raw) else { throw PayloadDecodingError(description: "\(raw) is not a hold id") }
        return hold
    }

    private mutating func readBooking() throws(PayloadDecodingError) -> BookingID {
        let raw = try read(UInt64.self, "booking")
        guard let booking = BookingID(rawValue: raw) else { throw PayloadDecodingError(description: "\(raw) is not a booking id") }
        return booking
    }

    private mutating func readSeat() throws(PayloadDecodingError) -> SeatIndex {
        SeatIndex(try read(UInt32.self, "seat"))
    }

    private mutating func readText() throws(PayloadDecodingError) -> String {
        String(decoding: try readBytes("text", limit: RefusalCode.textBytesMax), as: UTF8.self)
    }

    private mutating func readRefusal() throws(PayloadDecodingError) -> InventoryError {
        let raw = try read(UInt8.self, "refusal")
        guard let code = RefusalCode(rawValue: raw) else { throw PayloadDecodingError(description: "unknown refusal \(raw)") }
        switch code {
        case .unknownShow: return .unknownShow(ShowID(rawValue: try read(UInt32.self, "show")))
        case .showCancelled: return .showCancelled(ShowID(rawValue: try read(UInt32.self, "show")))
        case .noSeatsRequested: return .noSeatsRequested
        case .unknownSeat: return .unknownSeat(try readSeat())
        case .duplicateSeat: return .duplicateSeat(try readSeat())
        case .seatUnavailable:
            let seat = try readSeat()
            let rawConflict = try read(UInt8.self, "conflict")
            guard let conflict = SeatConflict(rawValue: rawConflict) else {
                throw PayloadDecodingError(description: "unknown seat conflict \(rawConflict)")
            }
            return .seatUnavailable(seat, conflict)
        case .ruleViolated:
            let rawRule = try read(UInt8.self, "rule")
            guard let rule = ShowRule(rawValue: rawRule) else { throw PayloadDecodingError(description: "unknown rule \(rawRule)") }
            let hasSeat = try readBool("rule seat present")
            let seat = try readSeat()
            return .ruleViolated(rule, seat: hasSeat ? seat : nil)
        case .unknownCategory: return .unknownCategory(try readText())
        case .unknownSection: return .unknownSection(try readText())
        case .noBlockAvailable:
            let kind = try read(UInt8.self, "shortfall")
            let number = Int(try read(UInt64.self, "shortfall figure"))
            switch kind {
            case 0: return .noBlockAvailable(.noMatchingSeats)
            case 1: return .noBlockAvailable(.notEnoughFreeSeats(free: number))
            case 2: return .noBlockAvailable(.noAdjacentBlock(largestBlock: number))
            case 3: return .noBlockAvailable(.everyBlockLeavesSingleSeat)
            case 4: return .noBlockAvailable(.contended)
            default: throw PayloadDecodingError(description: "unknown shortfall \(kind)")
            }
        case .reservationTableFull:
            let shard = Int(try read(UInt64.self, "shard"))
            return .reservationTableFull(shard: shard, capacity: Int(try read(UInt64.self, "capacity")))
        case .unknownHold: return .unknownHold(try readHoldID())
        case .unknownBooking: return .unknownBooking(try readBooking())
        case .holdSuperseded: return .holdSuperseded(try readHoldID())
        case .bookingSuperseded: return .bookingSuperseded(try readBooking())
        case .holdExpired: return .holdExpired(try readHoldID())
        case .holdReleased: return .holdReleased(try readHoldID())
        case .holdAlreadyConfirmed: return .holdAlreadyConfirmed(try readHoldID(), try readBooking())
        case .holdBookingCancelled: return .holdBookingCancelled(try readHoldID(), try readBooking())
        case .bookingCancelled: return .bookingCancelled(try readBooking())
        case .holdLifetimeExhausted:
            let hold = try readHoldID()
            return .holdLifetimeExhausted(hold, deadline: Timestamp(milliseconds: try read(UInt64.self, "deadline")))
        case .idempotencyKeyReused: return .idempotencyKeyReused
        case .idempotentRequestInProgress: return .idempotentRequestInProgress
        case .changeLogUnavailable: return .changeLogUnavailable(try readText())
        }
    }
}

/// The stored number of each ``InventoryError`` case; never renumbered, since journals and
/// snapshots keep them.
enum RefusalCode: UInt8, CaseIterable {
    case unknownShow = 1, showCancelled, noSeatsRequested, unknownSeat, duplicateSeat, seatUnavailable, ruleViolated
    case unknownCategory, unknownSection, noBlockAvailable, reservationTableFull, unknownHold, unknownBooking
    case holdSuperseded, bookingSuperseded, holdExpired, holdReleased, holdAlreadyConfirmed, holdBookingCancelled
    case bookingCancelled, holdLifetimeExhausted, idempotencyKeyReused, idempotentRequestInProgress, changeLogUnavailable

    /// UTF-8 bytes kept of a refusal's text (a category or section name, the journal's reason).
    static let textBytesMax = 1024

    init(_ refusal: InventoryError) {
        self =
            switch refusal {
            case .unknownShow: .unknownShow
            case .showCancelled: .showCancelled
            case .noSeatsRequested: .noSeatsRequested
            case .unknownSeat: .unknownSeat
            case .duplicateSeat: .duplicateSeat
            case .seatUnavailable: .seatUnavailable
            case .ruleViolated: .ruleViolated
            case .unknownCategory: .unknownCategory
            case .unknownSection: .unknownSection
            case .noBlockAvailable: .noBlockAvailable
            case .reservationTableFull: .reservationTableFull
            case .unknownHold: .unknownHold
            case .unknownBooking: .unknownBooking
            case .holdSuperseded: .holdSuperseded
            case .bookingSuperseded: .bookingSuperseded
            case .holdExpired: .holdExpired
            case .holdReleased: .holdReleased
            case .holdAlreadyConfirmed: .holdAlreadyConfirmed
            case .holdBookingCancelled: .holdBookingCancelled
            case .bookingCancelled: .bookingCancelled
            case .holdLifetimeExhausted: .holdLifetimeExhausted
            case .idempotencyKeyReused: .idempotencyKeyReused
            case .idempotentRequestInProgress: .idempotentRequestInProgress
            case .changeLogUnavailable: .changeLogUnavailable
            }
    }
}
