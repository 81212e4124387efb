import SeatProtocol
import Testing

@testable import SeatServer

/// A connection's tally: counts per kind and code, and which requests it times.
@Suite struct RequestTallyTests {
    @Test func itTimesTheFirstOfEachKindThenOneInThirtyTwo() {
        var tally = RequestTally()
        var timedHolds = 0
        for _ in 0..<100 {
            let timed = tally.shouldTime(.hold)
            if timed { timedHolds += 1 }
            tally.answered(.hold, refusal: nil, executionTime: timed ? .microseconds(3) : nil)
            if tally.answered[ServerStatistics.slot(of: .hold)!] == 10 { tally.flushed() }  // flushes keep the sampling
        }
        #expect(timedHolds == 4)  // the 1st, 33rd, 65th and 97th
        #expect(tally.shouldTime(.ping))
        tally.answered(.ping, refusal: nil)
        #expect(!tally.shouldTime(.ping))
    }

    @Test func countsAreKeptPerKindAndCodeUntilFlushed() {
        var tally = RequestTally()
        tally.answered(.hold, refusal: .seatUnavailable)
        tally.answered(.hold, refusal: nil)
        tally.answered(.confirm, refusal: nil)
        tally.answered(nil, refusal: .malformedPayload)
        #expect(tally.answeredSlots == [ServerStatistics.slot(of: .hold)!, ServerStatistics.slot(of: .confirm)!])
        #expect(tally.answered[ServerStatistics.slot(of: .hold)!] == 2)
        #expect(tally.refusals == [.seatUnavailable: 1, .malformedPayload: 1])
        #expect(tally.requests == 3 && tally.refused == 2)  // the frame refused unread is no request
        tally.flushed()
        #expect(tally.isEmpty && tally.answered.allSatisfy { $0 == 0 })
    }

    /// Every opcode of the protocol has a slot of its own.
    @Test func slotsAreDistinct() {
        let slots = Opcode.known.compactMap(ServerStatistics.slot(of:))
        #expect(slots.count == Opcode.known.count && Set(slots).count == slots.count)
    }
}
