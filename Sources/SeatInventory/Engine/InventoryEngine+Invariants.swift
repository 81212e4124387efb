/// A broken invariant found by ``InventoryEngine/invariantViolations()``.
public struct InvariantViolation: Hashable, Sendable, CustomStringConvertible {
    public let description: String
}

extension InventoryEngine {
    /// Cross-checks every show's seat bitmaps against the holds and bookings of every shard.
    ///
    /// Meaningful only while no operation runs (tests call it after their threads have joined).
    /// It checks that no slot is left busy; that the held bitmap and the free-slot index agree
    /// with every slot's state; that every held or booked slot names an existing
    /// show and sorted, in-range seats; that no seat belongs to two live reservations; that a
    /// seat is taken exactly when it is unsellable or belongs to a live reservation; and that a
    /// seat is sold exactly when it belongs to a booking. O(reservations + seats).
    public func invariantViolations() -> [InvariantViolation] {
        var violations: [InvariantViolation] = []
        func report(_ text: String) { violations.append(InvariantViolation(description: text)) }

        let inventories = shows.ids.map { try? shows.show($0).takeUnretainedValue() }
        // Per show, as bitmap words: the seats live reservations claim, and those bookings claim.
        // Words, not a seat at a time, so a start-up check of 100 M seats takes well under a second.
        var reserved: [[UInt64]] = inventories.map { show in
            [UInt64](repeating: 0, count: SeatBitmap.wordCount(seatCount: show?.seatCount ?? 0))
        }
        var booked = reserved
        for table in shards {
            for slot in 0..<table.capacity {
                let state = table.state(slot)
                // Built only when something is wrong: formatting a million places is most of a check.
                func place() -> String { "shard \(table.shard) slot \(slot)" }
                if state.isBusy { report("\(place()) is busy with no operation running") }
                let entries = table.indexEntries(slot)
                if entries.isMarkedHeld != (state.phase == .held) {
                    report("\(place()) is \(state.phase) but \(entries.isMarkedHeld ? "" : "not ")marked held")
                }
                if entries.isFree != state.isClaimable {
                    report("\(place()) is \(state.phase) but \(entries.isFree ? "" : "not ")free to claim")
                }
                guard state.phase == .held || state.phase == .booked, !state.isBusy else { continue }
                let show = Int(table.show(slot).rawValue)
                guard show < inventories.count, let inventory = inventories[show] else {
                    report("\(place()) names unknown show \(show)")
                    continue
                }
                var buffer = SeatBuffer(repeating: 0)
                let count = table.copySeats(slot, into: &buffer)
                if count == 0 { report("\(place()) has no seats") }
                for index in 0..<count {
                    let seat = Int(buffer[index])
                    guard seat < inventory.seatCount else {
                        report("\(place()) names seat \(seat) beyond show \(show)'s \(inventory.seatCount) seats")
                        continue
                    }
                    if index > 0, buffer[index - 1] >= buffer[index] { report("\(place()) seats are not sorted and unique") }
                    let (word, bit) = (seat >> 6, UInt64(1) << (seat & 63))
                    if reserved[show][word] & bit != 0 {
                        report("seat \(seat) of show \(show) belongs to two live reservations (\(place()))")
                    }
                    reserved[show][word] |= bit
                    if state.phase == .booked { booked[show][word] |= bit }
                }
            }
        }
        for (showIndex, inventory) in inventories.enumerated() {
            guard let show = inventory else { continue }
            for word in reserved[showIndex].indices {
                let taken = show.taken.words.load(word)
                let sold = show.sold.words.load(word)
                let unsellable = show.unsellable.words[word]
                let owned = reserved[showIndex][word]
                let isBooking = booked[showIndex][word]
                let existing = word == reserved[showIndex].count - 1 && show.seatCount & 63 != 0
                    ? (UInt64(1) << (show.seatCount & 63)) - 1 : ~0
                var suspects = ((unsellable & owned) | (taken ^ (unsellable | owned)) | (sold ^ isBooking)) & existing
                while suspects != 0 {
                    let bit = UInt64(1) << suspects.trailingZeroBitCount
                    suspects &= suspects - 1
                    let seat = word << 6 | bit.trailingZeroBitCount
                    let (isTaken, isSold, isUnsellable) = (taken & bit != 0, sold & bit != 0, unsellable & bit != 0)
                    let (isOwned, isBooked) = (owned & bit != 0, isBooking & bit != 0)
                    let place = "seat \(seat) (\(show.layout.label(of: SeatIndex(seat)))) of show \(showIndex)"
                    if isUnsellable && isOwned { report("\(place) is unsellable yet reserved") }
                    if isTaken != (isUnsellable || isOwned) {
                        report("\(place) is \(isTaken ? "" : "not ")taken but \(isOwned ? "" : "not ")reserved")
                    }
                    if isSold != isBooked {
                        report("\(place) is \(isSold ? "" : "not ")sold but \(isBooked ? "" : "not ")booked")
                    }
                }
            }
        }
        return violations
    }
}
