import Testing

@testable import SeatJournal

/// The writer's writeback hints, apart from any file: a chunk at a time, each range once, none
/// before a chunk has gathered.
@Suite(.timeLimit(.minutes(1))) struct WritebackScheduleTests {
    let chunk = WritebackSchedule.chunkBytes

    @Test func nothingStartsBeforeAChunkHasGathered() {
        var schedule = WritebackSchedule(segmentBytes: 16)
        #expect(schedule.wrote(segmentBytes: 16 + chunk - 1) == nil)
        #expect(schedule.startedThrough == 16)
    }

    @Test func eachRangeStartsOnceAndTheRangesFollowOneAnother() {
        var schedule = WritebackSchedule(segmentBytes: 16)
        #expect(schedule.wrote(segmentBytes: 16 + chunk) == 16..<(16 + chunk))
        #expect(schedule.wrote(segmentBytes: 16 + chunk + 10) == nil)
        // A large batch is handed over whole, from where the last range ended.
        #expect(schedule.wrote(segmentBytes: 16 + 3 * chunk + 7) == (16 + chunk)..<(16 + 3 * chunk + 7))
        #expect(schedule.startedThrough == 16 + 3 * chunk + 7)
    }

    @Test func aContinuedSegmentStartsAfterWhatWasThere() {
        // What an earlier run wrote is left to the next sync; only new bytes are scheduled.
        var schedule = WritebackSchedule(segmentBytes: 5 * chunk)
        #expect(schedule.wrote(segmentBytes: 5 * chunk + 100) == nil)
        #expect(schedule.wrote(segmentBytes: 6 * chunk) == (5 * chunk)..<(6 * chunk))
    }
}
