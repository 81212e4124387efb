import SeatProtocol
import Testing

@testable import seat_load

/// The lanes apart from any transport: what each answer leads to, when cycles start and stop,
/// and what is counted, driven by hand with a sink that records every request.
@Suite(.timeLimit(.minutes(1))) struct LoadLanesTests {
    struct RecordingSink: LoadRequestSink {
        var sent: [(request: LoadRequest, lane: Int)] = []
        mutating func send(_ request: LoadRequest, lane: Int) { sent.append((request, lane)) }
    }

    static let start: UInt64 = 1_000_000_000
    static let measureFrom = start + 1_000_000
    static let end = start + 100_000_000

    static func lanes(
        _ workload: Workload, lanes: Int = 2, pacing: Pacing = .closedLoop, slowAnswerNanoseconds: UInt64? = nil,
        tally: LoadTally = LoadTally(operationsMax: nil)
    ) -> LoadLanes {
        let plan = LanePlan(
            workload: workload, shows: workload.usesOwnSeats ? [(10, 100)] : [(20, 300)],
            ownSeats: workload.usesOwnSeats ? (0..<lanes).map { UInt32(5 + $0) } : [], lanes: lanes, readShare: 0.8)
        return LoadLanes(
            plan: plan, pacing: pacing, targetChoosesBestSeats: true, seed: 42, measureFromNanoseconds: measureFrom,
            endNanoseconds: end, slowAnswerNanoseconds: slowAnswerNanoseconds, tally: tally)
    }

    @Test func aHoldReleaseCycleReleasesWhatItHeldThenHoldsAgainUntilTheEnd() throws {
        let tally = LoadTally(operationsMax: nil)
        var lanes = Self.lanes(.holdRelease, tally: tally)
        var sink = RecordingSink()
        lanes.begin(now: Self.measureFrom, into: &sink)
        #expect(sink.sent.map(\.lane) == [0, 1])
        guard case .hold(10, [5]) = sink.sent[0].request, case .hold(10, [6]) = sink.sent[1].request else {
            Issue.record("each lane holds its own seat: \(sink.sent)")
            return
        }

        try lanes.take(lane: 0, step: .hold, outcome: .held(id: 77, seats: [5]), now: Self.measureFrom + 10, into: &sink)
        guard case .release(let hold) = sink.sent.last?.request, hold.id == 77, hold.seats == [5], sink.sent.last?.lane == 0 else {
            Issue.record("the hold is released next, by its id: \(String(describing: sink.sent.last))")
            return
        }
        try lanes.take(lane: 0, step: .release, outcome: .done, now: Self.measureFrom + 20, into: &sink)
        guard case .hold(10, [5]) = sink.sent.last?.request else { Issue.record("closed loop: the next cycle starts"); return }

        // Past the end, cycles finish but none starts; the connection is done once every lane is free.
        let sentBefore = sink.sent.count
        try lanes.take(lane: 1, step: .hold, outcome: .held(id: 78, seats: [6]), now: Self.end + 1, into: &sink)
        try lanes.take(lane: 1, step: .release, outcome: .done, now: Self.end + 2, into: &sink)
        try lanes.take(lane: 0, step: .hold, outcome: .held(id: 79, seats: [5]), now: Self.end + 3, into: &sink)
        try lanes.take(lane: 0, step: .release, outcome: .done, now: Self.end + 4, into: &sink)
        #expect(sink.sent.count == sentBefore + 2, "two releases, no new hold")
        #expect(lanes.isFinished)

        lanes.close()
        let counts = tally.snapshot
        #expect(counts[.hold].count == 1, "only answers inside the measured window count")
        #expect(counts[.release].count == 1)
        #expect(tally.headlineCount == 1)
        #expect(counts.slowAnswers.isEmpty, "without --slow-log's threshold no answer is kept")
    }

    @Test func answersAtOrOverTheSlowThresholdAreKeptWithWhenTheyCame() throws {
        let tally = LoadTally(operationsMax: nil)
        var lanes = Self.lanes(.holdRelease, lanes: 1, slowAnswerNanoseconds: 500, tally: tally)
        var sink = RecordingSink()
        lanes.begin(now: Self.measureFrom, into: &sink)
        try lanes.take(lane: 0, step: .hold, outcome: .held(id: 1, seats: [5]), now: Self.measureFrom + 499, into: &sink)
        try lanes.take(lane: 0, step: .release, outcome: .done, now: Self.measureFrom + 999, into: &sink)
        try lanes.take(lane: 0, step: .hold, outcome: .held(id: 2, seats: [5]), now: Self.measureFrom + 2_000, into: &sink)
        lanes.close()
        let slow = tally.snapshot.slowAnswers
        #expect(slow.map(\.answeredNanoseconds) == [Self.measureFrom + 999, Self.measureFrom + 2_000])
        #expect(slow.map(\.latencyNanoseconds) == [500, 1_001])
        #expect(tally.snapshot.slowAnswersUnkept == 0)
    }

    @Test func slowAnswersPastTheKeptBoundAreOnlyCounted() {
        var counts = LoadTally.Counts()
        for answer in 0..<(LoadTally.slowAnswersPerConnectionMax + 3) {
            counts.recordSlowAnswer(.init(answeredNanoseconds: UInt64(answer), latencyNanoseconds: 1))
        }
        #expect(counts.slowAnswers.count == LoadTally.slowAnswersPerConnectionMax)
        #expect(counts.slowAnswersUnkept == 3)
        var merged = LoadTally.Counts()
        merged.add(counts)
        merged.add(counts)
        #expect(merged.slowAnswersUnkept == 6, "merging connections adds their uncounted answers")
    }

    @Test func answersBeforeTheWarmUpEndsAreNotCounted() throws {
        let tally = LoadTally(operationsMax: nil)
        var lanes = Self.lanes(.holdRelease, lanes: 1, tally: tally)
        var sink = RecordingSink()
        lanes.begin(now: Self.start, into: &sink)
        try lanes.take(lane: 0, step: .hold, outcome: .held(id: 1, seats: [5]), now: Self.start + 10, into: &sink)
        lanes.close()
        #expect(tally.snapshot[.hold].count == 0)
    }

    @Test func aRefusalEndsTheCycleAndIsCountedByStepAndCode() throws {
        let tally = LoadTally(operationsMax: nil)
        var lanes = Self.lanes(.uniform, lanes: 1, tally: tally)
        var sink = RecordingSink()
        lanes.begin(now: Self.measureFrom, into: &sink)
        try lanes.take(lane: 0, step: .hold, outcome: .refused(.seatUnavailable), now: Self.measureFrom + 5, into: &sink)
        #expect(sink.sent.count == 2, "the next cycle, another hold")
        guard case .hold = sink.sent[1].request else { Issue.record("a refused hold is not confirmed"); return }
        lanes.close()
        #expect(tally.snapshot.refusals == ["hold: \(ErrorCode.seatUnavailable)": 1])
    }

    @Test func aFlashSaleLaneStopsOnceNoPairIsLeftAndRecordsEverySale() throws {
        let tally = LoadTally(operationsMax: nil)
        var lanes = Self.lanes(.flashSale, lanes: 1, tally: tally)
        var sink = RecordingSink()
        lanes.begin(now: Self.measureFrom, into: &sink)
        guard case .holdBestAvailable(20, 2) = sink.sent[0].request else { Issue.record("\(sink.sent)"); return }
        try lanes.take(lane: 0, step: .hold, outcome: .held(id: 9, seats: [40, 41]), now: Self.measureFrom + 1, into: &sink)
        try lanes.take(lane: 0, step: .confirm, outcome: .booked(id: 9), now: Self.measureFrom + 2, into: &sink)
        try lanes.take(lane: 0, step: .hold, outcome: .refused(.noBlockAvailable), now: Self.measureFrom + 3, into: &sink)
        #expect(sink.sent.count == 3, "hold, confirmation, hold; nothing after the sell-out")
        #expect(lanes.isFinished)
        lanes.close()
        #expect(tally.snapshot.soldSeats == [40, 41])
        #expect(tally.snapshot.lastConfirmationNanoseconds == Self.measureFrom + 2)
    }

    @Test func anAnswerThatFitsNoStepFailsTheConnection() {
        let tally = LoadTally(operationsMax: nil)
        var lanes = Self.lanes(.holdRelease, lanes: 1, tally: tally)
        var sink = RecordingSink()
        lanes.begin(now: Self.measureFrom, into: &sink)
        #expect(throws: LoadFailure.self) {
            try lanes.take(lane: 0, step: .release, outcome: .booked(id: 3), now: Self.measureFrom + 1, into: &sink)
        }
        #expect(throws: LoadFailure.self) {
            try lanes.take(lane: 7, step: .hold, outcome: .done, now: Self.measureFrom + 1, into: &sink)
        }
        lanes.close()
        #expect(tally.snapshot.failures.count == 2)
    }

    /// Open loop with one lane and arrivals far faster than answers: the first arrival starts,
    /// the next `waitingArrivalsMax` wait for the lane, the rest are counted unstarted, and at
    /// the close the waiting ones are too. Nothing is lost or counted twice.
    @Test func openLoopArrivalsWaitForALaneUpToTheLimitAndTheRestAreCounted() throws {
        let tally = LoadTally(operationsMax: nil)
        let schedule = ArrivalSchedule(ratePerSecond: 10_000_000, connection: 0, connections: 1, startNanoseconds: Self.start)
        var lanes = Self.lanes(.holdRelease, lanes: 1, pacing: .openLoop(schedule), tally: tally)
        var sink = RecordingSink()
        lanes.begin(now: Self.start, into: &sink)
        #expect(sink.sent.isEmpty, "open loop starts nothing before an arrival is due")
        // 30 ms at 10 M/s: 300,000 arrivals due at once.
        let next = lanes.admitDueArrivals(now: Self.start + 30_000_000 - 1, into: &sink)
        #expect(next == Self.start + 30_000_000)
        #expect(sink.sent.count == 1)
        let due = 300_000

        // The lane's cycle ends; a waiting arrival takes the lane at once, with its intended start.
        let answered = Self.start + 30_000_000
        try lanes.take(lane: 0, step: .hold, outcome: .held(id: 1, seats: [5]), now: answered, into: &sink)
        try lanes.take(lane: 0, step: .release, outcome: .done, now: answered + 10, into: &sink)
        #expect(sink.sent.count == 3)
        guard case .hold = sink.sent[2].request else { Issue.record("the waiting arrival holds"); return }

        lanes.close()
        let counts = tally.snapshot
        #expect(counts.unstartedArrivals == due - 2, "all but the two that started")
        #expect(counts.cycles.count == 1, "the finished cycle is measured from its intended start")
        // From the first arrival's intended start, not from when its hold was sent.
        #expect(counts.cycles.latency.max >= 29_900_000)
    }
}
