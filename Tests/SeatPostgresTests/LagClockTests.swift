import Testing
@testable import SeatPostgres

@Suite(.timeLimit(.minutes(1))) struct LagClockTests {
    @Test func theLagIsTheAgeOfTheOldestRecordNotYetPersisted() {
        let start = ContinuousClock.now
        var clock = LagClock()
        clock.note(readable: 10, persisted: 0, at: start)
        clock.note(readable: 20, persisted: 0, at: start + .milliseconds(100))
        clock.note(readable: 20, persisted: 0, at: start + .milliseconds(150))  // nothing new
        #expect(clock.lag(persistedThrough: 0, at: start + .milliseconds(300)) == .milliseconds(300))
        #expect(clock.lag(persistedThrough: 10, at: start + .milliseconds(300)) == .milliseconds(200))
        #expect(clock.lag(persistedThrough: 20, at: start + .milliseconds(300)) == .zero)
    }

    /// Past its limit the clock keeps its oldest times and moves its newest LSN on: the lag it
    /// reports can only be too high, never too low.
    @Test func aFullClockOverstatesRatherThanForgets() {
        let start = ContinuousClock.now
        var clock = LagClock()
        for index in 0..<(LagClock.samplesMax + 100) {
            clock.note(readable: UInt64(index + 1), persisted: 0, at: start + .milliseconds(index))
        }
        let now = start + .milliseconds(LagClock.samplesMax + 100)
        // The records past the limit are covered by the last sample kept, with its older time.
        let newest = UInt64(LagClock.samplesMax + 99)
        #expect(clock.lag(persistedThrough: newest, at: now) == now - (start + .milliseconds(LagClock.samplesMax - 1)))
        #expect(clock.lag(persistedThrough: newest + 1, at: now) == .zero)
    }
}
