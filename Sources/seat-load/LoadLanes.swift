import NIOCore
import SeatSamples

/// Where a lane's next request goes: a codec writing into the connection's outbound bytes, or
/// a PostgreSQL pipeline.
protocol LoadRequestSink {
    mutating func send(_ request: LoadRequest, lane: Int)
}

/// One connection's lanes and the cycles they run, whatever carries the requests: `depth` lanes,
/// each running its ``Workload``'s cycles with one request in flight, paced closed loop or open
/// loop, counted into the connection's own ``LoadTally/Counts``.
///
/// Closed loop, a lane starts its next cycle as soon as the last one ends. Open loop, cycles
/// start on an ``ArrivalSchedule``: an arrival takes a free lane, or waits for one, and the
/// cycle's latency counts from when it was meant to start. All times are uptime nanoseconds.
struct LoadLanes {
    private struct Lane {
        /// When the request in flight was sent.
        var sentNanoseconds: UInt64 = 0
        /// When the cycle started, or was meant to (open loop).
        var cycleStartNanoseconds: UInt64 = 0
        /// The hold or booking the cycle made, for the next request of the cycle.
        var hold = LaneHold(id: 0, show: 0, seats: [])
    }

    private let plan: LanePlan
    private var lanes: [Lane]
    private var pacing: Pacing
    /// Whether the target finds the best seats itself (see ``LoadCodec/choosesBestSeats``).
    private let targetChoosesBestSeats: Bool
    private var random: SplitMix64
    /// Lanes with no cycle in flight.
    private var freeLanes: [Int] = []
    private var waitingArrivals = CircularBuffer<UInt64>()
    /// False once no new cycle may start: the end, the bound on operations, or a sold-out show.
    private var accepting = true
    private let measureFromNanoseconds: UInt64
    private let endNanoseconds: UInt64
    /// Answers this slow or slower are kept for `--slow-log`; nil keeps none.
    private let slowAnswerNanoseconds: UInt64?
    private let tally: LoadTally
    /// This connection's counts, handed to `tally` by ``close()``.
    private var counts = LoadTally.Counts()
    /// Headline answers not yet published to `tally`.
    private var unpublishedHeadline = 0

    init(
        plan: LanePlan, pacing: Pacing, targetChoosesBestSeats: Bool, seed: UInt64,
        measureFromNanoseconds: UInt64, endNanoseconds: UInt64, slowAnswerNanoseconds: UInt64? = nil, tally: LoadTally
    ) {
        self.plan = plan
        self.lanes = Array(repeating: Lane(), count: plan.lanes)
        self.pacing = pacing
        self.targetChoosesBestSeats = targetChoosesBestSeats
        self.random = SplitMix64(seed: seed)
        self.measureFromNanoseconds = measureFromNanoseconds
        self.endNanoseconds = endNanoseconds
        self.slowAnswerNanoseconds = slowAnswerNanoseconds
        self.tally = tally
    }

    /// Whether the connection is done: no cycle may start and none is in flight.
    var isFinished: Bool { !accepting && freeLanes.count == lanes.count }

    var isOpenLoop: Bool {
        if case .openLoop = pacing { return true }
        return false
    }

    /// Closed loop, starts every lane; open loop, frees them for ``admitDueArrivals(now:into:)``.
    mutating func begin(now: UInt64, into sink: inout some LoadRequestSink) {
        switch pacing {
        case .closedLoop:
            for lane in lanes.indices { startCycle(lane, intendedStart: now, now: now, into: &sink) }
        case .openLoop:
            freeLanes = Array(lanes.indices.reversed())
        }
    }

    /// Open loop: starts (or queues) every arrival whose time has come. Returns when the next
    /// is due, or nil when no arrival is left before the end.
    mutating func admitDueArrivals(now: UInt64, into sink: inout some LoadRequestSink) -> UInt64? {
        guard case .openLoop(var schedule) = pacing else { return nil }
        while accepting, schedule.nextNanoseconds <= now, schedule.nextNanoseconds < endNanoseconds {
            let intended = schedule.takeNext()
            if let lane = freeLanes.popLast() {
                startCycle(lane, intendedStart: intended, now: now, into: &sink)
            } else if waitingArrivals.count < ArrivalSchedule.waitingArrivalsMax {
                waitingArrivals.append(intended)
            } else {
                counts.unstartedArrivals += 1
            }
        }
        pacing = .openLoop(schedule)
        guard accepting, schedule.nextNanoseconds < endNanoseconds else {
            accepting = false
            return nil
        }
        return schedule.nextNanoseconds
    }

    /// Takes a lane's answer and sends the cycle's next request, or ends the cycle. Throws (and
    /// counts the failure) when the answer makes no sense; the connection should then close.
    mutating func take(
        lane: Int, step: Workload.Step, outcome: LoadOutcome, now: UInt64, into sink: inout some LoadRequestSink
    ) throws(LoadFailure) {
        guard lanes.indices.contains(lane) else { throw recordFailure("answer to an unknown lane") }
        let isMeasured = (measureFromNanoseconds..<endNanoseconds).contains(now)
        if isMeasured {
            let latency = now - lanes[lane].sentNanoseconds
            counts.recordAnswer(step, latencyNanoseconds: latency)
            if let slowAnswerNanoseconds, latency >= slowAnswerNanoseconds {
                counts.recordSlowAnswer(.init(answeredNanoseconds: now, latencyNanoseconds: latency))
            }
            if plan.workload.headline.map({ $0 == step }) ?? true { unpublishedHeadline += 1 }
            if unpublishedHeadline >= LoadTally.publishEvery {
                if !tally.publishHeadline(unpublishedHeadline) { accepting = false }
                unpublishedHeadline = 0
            }
        }
        // Always finish a started cycle, even past the end, so own seats are left as found.
        switch (plan.workload, step, outcome) {
        case (_, _, .refused(let code)):
            if isMeasured { counts.recordRefusal(code, of: step) }
            // A flash sale is over for a lane once no pair is left.
            if plan.workload == .flashSale, step == .hold, code == .noBlockAvailable { accepting = false }
            // The cycle ends here; a seat that a refusal left held or booked makes that lane's
            // later holds refused, and counted, rather than the run stop.
            endCycle(lane, now: now, into: &sink)
        case (.holdRelease, .hold, .held(let id, let seats)), (.bestAvailable, .hold, .held(let id, let seats)):
            lanes[lane].hold = LaneHold(id: id, show: lanes[lane].hold.show, seats: seats)
            send(.release(lanes[lane].hold), lane: lane, now: now, into: &sink)
        case (_, .hold, .held(let id, let seats)):
            lanes[lane].hold = LaneHold(id: id, show: lanes[lane].hold.show, seats: seats)
            send(.confirm(lanes[lane].hold), lane: lane, now: now, into: &sink)
        case (.holdConfirmCancel, .confirm, .booked(let id)):
            lanes[lane].hold.id = id
            send(.cancel(lanes[lane].hold), lane: lane, now: now, into: &sink)
        case (_, .confirm, .booked):
            if plan.workload == .flashSale { counts.recordSale(lanes[lane].hold.seats, at: now) }
            endCycle(lane, now: now, into: &sink)
        case (_, .release, .done), (_, .cancel, .done), (_, .availability, .done):
            endCycle(lane, now: now, into: &sink)
        default:
            throw recordFailure("\(step.noun) answered with \(outcome)")
        }
    }

    /// Counts a failure of the connection; returns it to throw.
    @discardableResult
    mutating func recordFailure(_ reason: String) -> LoadFailure {
        counts.failures.append(reason)
        accepting = false
        return LoadFailure(reason)
    }

    /// Hands the connection's counts to the tally; arrivals still waiting for a lane never started.
    mutating func close() {
        counts.unstartedArrivals += waitingArrivals.count
        waitingArrivals.removeAll()
        _ = tally.publishHeadline(unpublishedHeadline)
        unpublishedHeadline = 0
        tally.merge(counts)
        counts = LoadTally.Counts()
    }

    private mutating func endCycle(_ lane: Int, now: UInt64, into sink: inout some LoadRequestSink) {
        switch pacing {
        case .closedLoop:
            if accepting, now < endNanoseconds { return startCycle(lane, intendedStart: now, now: now, into: &sink) }
            accepting = false
        case .openLoop:
            if (measureFromNanoseconds..<endNanoseconds).contains(now) {
                counts.cycles.record(now - lanes[lane].cycleStartNanoseconds)
            }
            if accepting, let intended = waitingArrivals.popFirst() {
                return startCycle(lane, intendedStart: intended, now: now, into: &sink)
            }
        }
        freeLanes.append(lane)
    }

    private mutating func startCycle(_ lane: Int, intendedStart: UInt64, now: UInt64, into sink: inout some LoadRequestSink) {
        lanes[lane].cycleStartNanoseconds = intendedStart
        switch plan.workload {
        case .holdRelease, .holdConfirmCancel:
            hold(show: plan.shows[0].show, seat: plan.ownSeats[lane], lane: lane, now: now, into: &sink)
        case .uniform:
            holdRandomSeat(lane: lane, now: now, into: &sink)
        case .bestAvailable, .flashSale:
            let (show, seatCount) = randomShow()
            lanes[lane].hold.show = show
            let count = plan.workload.seatsPerHold
            guard targetChoosesBestSeats else {
                let blocks = seatCount / UInt32(count)
                let first = UInt32.random(in: 0..<blocks, using: &random) * UInt32(count)
                return send(.hold(show: show, seats: Array(first..<first + UInt32(count))), lane: lane, now: now, into: &sink)
            }
            send(.holdBestAvailable(show: show, count: count), lane: lane, now: now, into: &sink)
        case .mixed:
            if Double.random(in: 0..<1, using: &random) < plan.readShare {
                send(.availability(show: randomShow().show), lane: lane, now: now, into: &sink)
            } else {
                holdRandomSeat(lane: lane, now: now, into: &sink)
            }
        }
    }

    private mutating func randomShow() -> (show: UInt32, seatCount: UInt32) {
        plan.shows[Int.random(in: 0..<plan.shows.count, using: &random)]
    }

    private mutating func holdRandomSeat(lane: Int, now: UInt64, into sink: inout some LoadRequestSink) {
        let (show, seatCount) = randomShow()
        hold(show: show, seat: UInt32.random(in: 0..<seatCount, using: &random), lane: lane, now: now, into: &sink)
    }

    private mutating func hold(show: UInt32, seat: UInt32, lane: Int, now: UInt64, into sink: inout some LoadRequestSink) {
        lanes[lane].hold.show = show
        send(.hold(show: show, seats: [seat]), lane: lane, now: now, into: &sink)
    }

    /// Sends at `now`: the moment of the answer or arrival that led to the request, a few
    /// instructions earlier, so no clock is read per request.
    private mutating func send(_ request: LoadRequest, lane: Int, now: UInt64, into sink: inout some LoadRequestSink) {
        lanes[lane].sentNanoseconds = now
        sink.send(request, lane: lane)
    }
}

/// How cycles start: when the last one ends, or on a fixed schedule.
enum Pacing {
    case closedLoop
    case openLoop(ArrivalSchedule)
}

/// What a connection's lanes work on.
struct LanePlan {
    let workload: Workload
    /// Own-seat workloads: the show and each lane's seat. Others: the shows to choose from.
    let shows: [(show: UInt32, seatCount: UInt32)]
    let ownSeats: [UInt32]
    let lanes: Int
    /// The share of mixed cycles that read availability, in [0, 1].
    let readShare: Double
}
