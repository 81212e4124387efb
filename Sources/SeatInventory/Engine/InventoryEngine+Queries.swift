/// Seats of a show counted by state.
public struct SeatCounts: Hashable, Sendable {
    public var free = 0
    public var held = 0
    public var sold = 0
    public var blocked = 0

    public var total: Int { free + held + sold + blocked }
}

/// A show's seat map at one moment, word by word (each 64-seat word is read consistently).
public struct SeatMap: Hashable, Sendable {
    public let seatCount: Int
    /// Seats that are held, sold or blocked.
    public let taken: SeatBitmap
    /// Seats that are sold (always also taken).
    public let sold: SeatBitmap
    /// Seats never for sale on this show (always also taken).
    public let blocked: SeatBitmap

    public func state(of seat: SeatIndex) -> SeatState {
        if blocked.contains(seat.value) { return .blocked }
        if sold.contains(seat.value) { return .sold }
        return taken.contains(seat.value) ? .held : .free
    }
}

/// What a show has left to sell.
public struct ShowAvailability: Hashable, Sendable {
    public let show: ShowID
    /// The show's ``InventoryEngine/mapVersion(of:)`` loaded before the map was read.
    public let version: UInt64
    public let isCancelled: Bool
    public let counts: SeatCounts
    /// Counts per category, in the order of the layout's categories.
    public let countsByCategory: [SeatCounts]
    public let seats: SeatMap
}

/// A hold or booking as it stands.
public struct ReservationInfo: Hashable, Sendable {
    public enum Status: Hashable, Sendable { case held(deadline: Timestamp), booked }

    public let show: ShowID
    public let seats: [SeatIndex]
    public let status: Status
}

extension InventoryEngine {
    /// Counts by state and category plus the seat map. O(seats / 64 × categories).
    public func availability(of showID: ShowID) throws(InventoryError) -> ShowAvailability {
        unowned(unsafe) let show = try shows.show(showID).takeUnretainedValue()
        let version = show.mapVersion.load(ordering: .acquiring)
        // Bound once: read through `show` (unowned) inside the loops, each word cost a retain and
        // a release of the storage it lives in, which on a 100,000-seat show was most of the work.
        let takenWords = show.taken.words
        let soldWords = show.sold.words
        let unsellable = show.unsellable.words
        let wordCount = takenWords.count
        var taken = [UInt64](repeating: 0, count: wordCount)
        var sold = [UInt64](repeating: 0, count: wordCount)
        for word in 0..<wordCount {
            taken[word] = takenWords.loadAcquiring(word)
            // Sold only counts where taken was seen, so the four states partition the seats.
            sold[word] = soldWords.loadAcquiring(word) & taken[word] & ~unsellable[word]
        }
        let layout = show.layout
        var byCategory = [SeatCounts](repeating: SeatCounts(), count: layout.categories.count)
        for category in byCategory.indices {
            let members = layout.categorySeats[category].words
            for word in 0..<wordCount {
                let blocked = unsellable[word]
                byCategory[category].free += (~taken[word] & members[word]).nonzeroBitCount
                byCategory[category].sold += (sold[word] & members[word]).nonzeroBitCount
                byCategory[category].blocked += (blocked & members[word]).nonzeroBitCount
                byCategory[category].held += (taken[word] & ~sold[word] & ~blocked & members[word]).nonzeroBitCount
            }
        }
        let counts = byCategory.reduce(into: SeatCounts()) { total, category in
            total.free += category.free
            total.held += category.held
            total.sold += category.sold
            total.blocked += category.blocked
        }
        return ShowAvailability(
            show: showID,
            version: version,
            isCancelled: show.isCancelled.load(ordering: .acquiring),
            counts: counts,
            countsByCategory: byCategory,
            seats: SeatMap(
                seatCount: show.seatCount,
                taken: SeatBitmap(seatCount: show.seatCount, words: taken),
                sold: SeatBitmap(seatCount: show.seatCount, words: sold),
                blocked: show.unsellable))
    }

    /// A number that changes whenever the show's seat map or cancellation does. A map read
    /// after loading version `v` (``ShowAvailability/version``) holds every change made before
    /// it; while the version is still `v`, the show's seats differ from that map only by changes
    /// under way, each of which changes the version once its bits are in place. So a reader
    /// holding `v` may be told "unchanged" exactly when the version is still `v`.
    public func mapVersion(of showID: ShowID) throws(InventoryError) -> UInt64 {
        unowned(unsafe) let show = try shows.show(showID).takeUnretainedValue()
        return show.mapVersion.load(ordering: .acquiring)
    }

    /// The state of one seat.
    public func state(of seat: SeatIndex, in showID: ShowID) throws(InventoryError) -> SeatState {
        unowned(unsafe) let show = try shows.show(showID).takeUnretainedValue()
        guard seat.value < show.seatCount else { throw .unknownSeat(seat) }
        return show.state(of: seat.value)
    }

    /// The show, seats and deadline of a live hold.
    public func reservation(_ hold: HoldID, at now: Timestamp) throws(InventoryError) -> ReservationInfo {
        let table = try table(of: hold.reservation, orThrow: .unknownHold(hold))
        let state = try liveHoldState(hold, in: table, at: now)
        guard let info = info(table, hold.reservation.slot, expecting: state) else { throw .holdSuperseded(hold) }
        return info
    }

    /// The show and seats of a booking that is not cancelled.
    public func reservation(_ booking: BookingID) throws(InventoryError) -> ReservationInfo {
        let table = try table(of: booking.reservation, orThrow: .unknownBooking(booking))
        let state = table.state(booking.reservation.slot)
        guard state.generation == booking.reservation.generation else {
            throw state.raw == 0 || state.isAhead(booking.reservation.generation)
                ? .unknownBooking(booking) : .bookingSuperseded(booking)
        }
        guard state.phase == .booked else {
            throw state.phase == .cancelled ? .bookingCancelled(booking) : .unknownBooking(booking)
        }
        guard let info = info(table, booking.reservation.slot, expecting: state) else {
            throw .bookingSuperseded(booking)
        }
        return info
    }

    /// The slot's contents, or nil when the slot left `expected` while they were read.
    private func info(_ table: ReservationTable, _ slot: Int, expecting expected: ReservationState) -> ReservationInfo? {
        var buffer = SeatBuffer(repeating: 0)
        let seats = (0..<table.copySeats(slot, into: &buffer)).map { SeatIndex(buffer[$0]) }
        let show = table.show(slot)
        let now = table.state(slot)
        guard now.generation == expected.generation, now.phase == expected.phase else { return nil }
        let status: ReservationInfo.Status = now.phase == .booked ? .booked : .held(deadline: Timestamp(milliseconds: now.deadline))
        return ReservationInfo(show: show, seats: seats, status: status)
    }
}
