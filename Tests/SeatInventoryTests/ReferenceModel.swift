import SeatInventory

/// A plain, sequential model of the engine's rules: arrays and dictionaries, brute-force
/// best-available, no atomics. The model-based test runs both on the same operations.
struct ReferenceModel {
    struct Show {
        let layout: SeatLayout
        let rules: ShowRules
        var states: [SeatState]
        var isCancelled = false
        let distancing: Set<Int>
    }

    enum Reservation {
        case held(show: Int, seats: [Int], deadline: UInt64, cap: UInt64)
        case booked(show: Int, seats: [Int])
        case released, expired, cancelled
    }

    /// Refusals in the engine's words, with hold and booking ids replaced by the model's numbers.
    enum Outcome: Equatable {
        case hold(Int, deadline: UInt64)
        case block(Int, deadline: UInt64, seats: Range<Int>)
        case booking(Int)
        case done
        case deadline(UInt64)
        case refused(String)
    }

    var shows: [Show] = []
    var reservations: [Reservation] = []

    mutating func addShow(layout: SeatLayout, rules: ShowRules) {
        let distancing = Set(rules.distancingMask.map(\.value))
        let states = (0..<layout.seatCount).map { seat -> SeatState in
            layout.isBlocked(SeatIndex(seat)) || distancing.contains(seat) ? .blocked : .free
        }
        shows.append(Show(layout: layout, rules: rules, states: states, distancing: distancing))
    }

    func state(_ show: Int, _ seat: Int) -> SeatState { shows[show].states[seat] }

    // MARK: Holds

    mutating func hold(show: Int, seats: [Int], duration: UInt64, now: UInt64) -> Outcome {
        if shows[show].isCancelled { return .refused("showCancelled(\(show))") }
        let rules = shows[show].rules
        let layout = shows[show].layout
        if seats.isEmpty { return .refused("noSeatsRequested") }
        if seats.count > rules.seatsPerHoldMax { return .refused("ruleViolated(seatsPerHold, nil)") }
        if let unknown = seats.first(where: { $0 >= layout.seatCount }) { return .refused("unknownSeat(\(unknown))") }
        let sorted = seats.sorted()
        for (a, b) in zip(sorted, sorted.dropFirst()) where a == b { return .refused("duplicateSeat(\(a))") }
        if let refusal = take(show: show, sorted: sorted) { return refusal }
        return .hold(record(show: show, seats: sorted, duration: duration, now: now), deadline: deadline(show, duration, now))
    }

    mutating func holdBestAvailable(show: Int, request: BestAvailableRequest, duration: UInt64, now: UInt64) -> Outcome {
        if shows[show].isCancelled { return .refused("showCancelled(\(show))") }
        let layout = shows[show].layout
        if request.count <= 0 { return .refused("noSeatsRequested") }
        if request.count > shows[show].rules.seatsPerHoldMax { return .refused("ruleViolated(seatsPerHold, nil)") }
        var category: Int?
        var section: Int?
        if let id = request.category {
            guard let index = layout.categoryIndex(id: id) else { return .refused("unknownCategory(\(id))") }
            category = index
        }
        if let id = request.section {
            guard let index = layout.sectionIndex(id: id) else { return .refused("unknownSection(\(id))") }
            section = index
        }
        func admits(_ seat: Int) -> Bool {
            let index = SeatIndex(seat)
            if let section, layout.rows[layout.row(of: index)].section != section { return false }
            if let category, layout.category(of: index) != category { return false }
            return (layout.isAccessible(index) || layout.isCompanion(index)) == request.accessible
                && state(show, seat) != .blocked
        }
        let count = request.count
        var best: (score: Int, start: Int)?
        var matching = 0, free = 0, largest = 0, sawBlock = false
        for row in layout.rows {
            var run: [Int] = []
            func closeRun() {
                if !request.accessible || run.contains(where: { layout.isAccessible(SeatIndex($0)) }) {
                    largest = max(largest, run.count)
                }
                run = []
            }
            for seat in row.seats {
                if admits(seat) { matching += 1 }
                let isFree = admits(seat) && state(show, seat) == .free
                if !(isFree && !run.isEmpty && adjacent(layout, seat - 1, seat)) { closeRun() }
                guard isFree else { continue }
                free += 1
                run.append(seat)
                guard run.count >= count else { continue }
                let window = Array(run.suffix(count))
                if request.accessible && !window.contains(where: { layout.isAccessible(SeatIndex($0)) }) { continue }
                sawBlock = true
                if shows[show].rules.forbidsSingleSeatGaps && strandedSeat(show: show, taking: window) != nil { continue }
                let score = window.reduce(0) { $0 + layout.rank(of: SeatIndex($1)) }
                if best.map({ (score, window[0]) < ($0.score, $0.start) }) ?? true { best = (score, window[0]) }
            }
            closeRun()
        }
        guard let best else {
            if matching == 0 { return .refused("noBlockAvailable(noMatchingSeats)") }
            if free < count { return .refused("noBlockAvailable(notEnoughFreeSeats(free: \(free)))") }
            if !sawBlock { return .refused("noBlockAvailable(noAdjacentBlock(largestBlock: \(largest)))") }
            return .refused("noBlockAvailable(everyBlockLeavesSingleSeat)")
        }
        let seats = Array(best.start..<best.start + count)
        if let refusal = take(show: show, sorted: seats) { return refusal }
        let id = record(show: show, seats: seats, duration: duration, now: now)
        return .block(id, deadline: deadline(show, duration, now), seats: best.start..<best.start + count)
    }

    /// Takes the seats or names the lowest one that cannot be taken (or that would be stranded).
    private mutating func take(show: Int, sorted: [Int]) -> Outcome? {
        let layout = shows[show].layout
        for seat in sorted where state(show, seat) != .free {
            switch state(show, seat) {
            case .blocked where layout.isBlocked(SeatIndex(seat)): return .refused("seatUnavailable(\(seat), blocked)")
            case .blocked: return .refused("ruleViolated(distancing, \(seat))")
            case .sold: return .refused("seatUnavailable(\(seat), sold)")
            default: return .refused("seatUnavailable(\(seat), held)")
            }
        }
        if shows[show].rules.forbidsSingleSeatGaps, let stranded = strandedSeat(show: show, taking: sorted) {
            return .refused("ruleViolated(noSingleSeatGap, \(stranded))")
        }
        for seat in sorted { shows[show].states[seat] = .held }
        return nil
    }

    /// The lowest free seat next to `taking` that would have no free neighbour once it is taken.
    func strandedSeat(show: Int, taking: [Int]) -> Int? {
        let layout = shows[show].layout
        let taken = Set(taking)
        func isFree(_ seat: Int) -> Bool { !taken.contains(seat) && state(show, seat) == .free }
        func neighbours(_ seat: Int) -> [Int] {
            [seat - 1, seat + 1].filter { $0 >= 0 && $0 < layout.seatCount && adjacent(layout, min($0, seat), max($0, seat)) }
        }
        let candidates = taking.flatMap(neighbours).filter(isFree)
        return candidates.filter { !neighbours($0).contains(where: isFree) }.min()
    }

    private func adjacent(_ layout: SeatLayout, _ left: Int, _ right: Int) -> Bool {
        layout.row(of: SeatIndex(left)) == layout.row(of: SeatIndex(right))
            && layout.position(of: SeatIndex(right)).x == layout.position(of: SeatIndex(left)).x + 1
    }

    private func lifetime(_ show: Int) -> UInt64 {
        UInt64(shows[show].rules.holdLifetimeMax.components.seconds) * 1000
    }

    private func deadline(_ show: Int, _ duration: UInt64, _ now: UInt64) -> UInt64 {
        now + max(1, min(duration, lifetime(show)))
    }

    private mutating func record(show: Int, seats: [Int], duration: UInt64, now: UInt64) -> Int {
        reservations.append(.held(show: show, seats: seats, deadline: deadline(show, duration, now), cap: now + lifetime(show)))
        return reservations.count - 1
    }

    // MARK: Lifecycle

    /// The live hold `id` at `now`, after expiring it when it is late; or the refusal.
    private mutating func liveHold(_ id: Int, now: UInt64) -> Result<(show: Int, seats: [Int], deadline: UInt64, cap: UInt64), ModelRefusal> {
        switch reservations[id] {
        case .held(let show, let seats, let deadline, _) where deadline <= now:
            end(id, as: .expired, show: show, seats: seats)
            return .failure(ModelRefusal("holdExpired(h\(id))"))
        case .held(let show, let seats, let deadline, let cap): return .success((show, seats, deadline, cap))
        case .booked: return .failure(ModelRefusal("holdAlreadyConfirmed(h\(id), b\(id))"))
        case .released: return .failure(ModelRefusal("holdReleased(h\(id))"))
        case .expired: return .failure(ModelRefusal("holdExpired(h\(id))"))
        case .cancelled: return .failure(ModelRefusal("holdBookingCancelled(h\(id), b\(id))"))
        }
    }

    mutating func confirm(_ id: Int, now: UInt64) -> Outcome {
        switch liveHold(id, now: now) {
        case .failure(let refusal): return .refused(refusal.text)
        case .success(let hold):
            if shows[hold.show].isCancelled { return .refused("showCancelled(\(hold.show))") }
            for seat in hold.seats { shows[hold.show].states[seat] = .sold }
            reservations[id] = .booked(show: hold.show, seats: hold.seats)
            return .booking(id)
        }
    }

    mutating func release(_ id: Int, now: UInt64) -> Outcome {
        switch liveHold(id, now: now) {
        case .failure(let refusal): return .refused(refusal.text)
        case .success(let hold):
            end(id, as: .released, show: hold.show, seats: hold.seats)
            return .done
        }
    }

    mutating func extend(_ id: Int, by duration: UInt64, now: UInt64) -> Outcome {
        switch liveHold(id, now: now) {
        case .failure(let refusal): return .refused(refusal.text)
        case .success(let hold):
            let wanted = min(now + duration, hold.cap)
            guard wanted > hold.deadline else {
                return hold.deadline < hold.cap
                    ? .deadline(hold.deadline) : .refused("holdLifetimeExhausted(h\(id), \(hold.deadline))")
            }
            reservations[id] = .held(show: hold.show, seats: hold.seats, deadline: wanted, cap: hold.cap)
            return .deadline(wanted)
        }
    }

    mutating func cancel(_ id: Int) -> Outcome {
        switch reservations[id] {
        case .booked(let show, let seats):
            end(id, as: .cancelled, show: show, seats: seats)
            return .done
        case .cancelled: return .refused("bookingCancelled(b\(id))")
        default: return .refused("unknownBooking(b\(id))")
        }
    }

    mutating func expireHolds(now: UInt64) -> Int {
        var expired = 0
        for id in reservations.indices {
            if case .held(let show, let seats, let deadline, _) = reservations[id], deadline <= now {
                end(id, as: .expired, show: show, seats: seats)
                expired += 1
            }
        }
        return expired
    }

    private mutating func end(_ id: Int, as ending: Reservation, show: Int, seats: [Int]) {
        for seat in seats { shows[show].states[seat] = .free }
        reservations[id] = ending
    }
}

struct ModelRefusal: Error {
    let text: String
    init(_ text: String) { self.text = text }
}
