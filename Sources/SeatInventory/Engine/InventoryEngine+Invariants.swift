/// A broken invariant found by ``InventoryEngine/invariantViolations()``.
public struct InvariantViolation: Hashable, Sendable, CustomStringConvertible {
    public let description: String
}

extension InventoryEngine {
    /// Cross-checks every show's seat bitmaps against the holds and bookings of every shard.
    ///
    /// Meaningful only while no operation runs (tests call it after their threads have joined).
    /// It checks that no slot is left busy; that every held or booked slot names an existing
    /// show and sorted, in-range seats; that no seat belongs to two live reservations; that a
    /// seat is taken exactly when it is unsellable or belongs to a live reservation; and that a
    /// seat is sold exactly when it belongs to a booking. O(reservations + seats).
    public func invariantViolations() -> [InvariantViolation] {
        var violations: [InvariantViolation] = []
        func report(_ text: String) { violations.append(InvariantViolation(description: text)) }

        let ids = shows.ids
        // owners[show][seat]: the packed id of the live reservation holding the seat, 0 for none.
        var owners: [[UInt64]] = ids.map { id in
            let seatCount = (try? shows.show(id).takeUnretainedValue().seatCount) ?? 0
            return [UInt64](repeating: 0, count: seatCount)
        }
        var isBooking: [[Bool]] = owners.map { [Bool](repeating: false, count: $0.count) }
        for table in shards {
            for slot in 0..<table.capacity {
                let state = table.state(slot)
                let place = "shard \(table.shard) slot \(slot)"
                if state.isBusy { report("\(place) is busy with no operation running") }
                guard state.phase == .held || state.phase == .booked, !state.isBusy else { continue }
                let show = Int(table.show(slot).rawValue)
                guard show < ids.count else {
                    report("\(place) names unknown show \(show)")
                    continue
                }
                let id = ReservationID(shard: table.shard, slot: slot, generation: state.generation).packed + 1
                var buffer = SeatBuffer(repeating: 0)
                let seats = (0..<table.copySeats(slot, into: &buffer)).map { buffer[$0] }
                if seats.isEmpty { report("\(place) has no seats") }
                for (index, seat) in seats.enumerated() {
                    guard Int(seat) < owners[show].count else {
                        report("\(place) names seat \(seat) beyond show \(show)'s \(owners[show].count) seats")
                        continue
                    }
                    if index > 0, seats[index - 1] >= seat { report("\(place) seats are not sorted and unique") }
                    if owners[show][Int(seat)] != 0 {
                        report("seat \(seat) of show \(show) belongs to two live reservations (\(place))")
                    }
                    owners[show][Int(seat)] = id
                    isBooking[show][Int(seat)] = state.phase == .booked
                }
            }
        }
        for (showIndex, id) in ids.enumerated() {
            guard let show = try? shows.show(id).takeUnretainedValue() else { continue }
            for seat in 0..<show.seatCount {
                let isTaken = show.taken.contains(seat)
                let isSold = show.sold.contains(seat)
                let isUnsellable = show.unsellable.contains(seat)
                let isOwned = owners[showIndex][seat] != 0
                let place = "seat \(seat) (\(show.layout.label(of: SeatIndex(seat)))) of show \(showIndex)"
                if isUnsellable && isOwned { report("\(place) is unsellable yet reserved") }
                if isTaken != (isUnsellable || isOwned) {
                    report("\(place) is \(isTaken ? "" : "not ")taken but \(isOwned ? "" : "not ")reserved")
                }
                if isSold != (isOwned && isBooking[showIndex][seat]) {
                    report("\(place) is \(isSold ? "" : "not ")sold but \(isBooking[showIndex][seat] ? "" : "not ")booked")
                }
            }
        }
        return violations
    }
}
