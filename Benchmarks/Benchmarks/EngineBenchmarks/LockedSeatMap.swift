import Synchronization

/// The peer design: every seat's state in one array behind one mutex, holds in a table beside
/// it. Single-seat holds only; it exists to be measured against the lock-free engine.
final class LockedSeatMap: Sendable {
    private struct State {
        var seats: [UInt8]  // 0 free, 1 held, 2 sold
        var holdSeat: [Int]  // hold id → seat, -1 when ended
    }

    private let state: Mutex<State>

    init(seatCount: Int) {
        var holdSeat: [Int] = []
        holdSeat.reserveCapacity(seatCount)
        state = Mutex(State(seats: Array(repeating: 0, count: seatCount), holdSeat: holdSeat))
    }

    /// Holds a free seat; returns the hold id, or nil when the seat is taken.
    func hold(_ seat: Int) -> Int? {
        state.withLock { state in
            guard state.seats[seat] == 0 else { return nil }
            state.seats[seat] = 1
            state.holdSeat.append(seat)
            return state.holdSeat.count - 1
        }
    }

    func confirm(_ hold: Int) -> Bool {
        state.withLock { state in
            let seat = state.holdSeat[hold]
            guard seat >= 0, state.seats[seat] == 1 else { return false }
            state.seats[seat] = 2
            state.holdSeat[hold] = -1
            return true
        }
    }

    func reset() {
        state.withLock { state in
            for index in state.seats.indices { state.seats[index] = 0 }
            state.holdSeat.removeAll(keepingCapacity: true)
        }
    }
}
