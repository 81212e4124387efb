import NIOCore
import SeatProtocol

/// Drives one connection entirely on its event loop, as redis-benchmark does: the target's
/// greeting, then `depth` lanes, each running its ``Workload``'s cycles, one request in flight
/// per lane. No task or continuation per request, so the client costs far less than the server
/// it measures. What goes on the wire is the ``LoadCodec``'s business; lanes, pacing and
/// counting are the same for every target.
///
/// Closed loop, a lane starts its next cycle as soon as the last one ends. Open loop, cycles
/// start on an ``ArrivalSchedule``: an arrival takes a free lane, or waits for one, and the
/// cycle's latency counts from when it was meant to start.
final class LoadConnectionHandler<Codec: LoadCodec>: ChannelInboundHandler {
    typealias InboundIn = Codec.Answer
    typealias OutboundOut = ByteBuffer

    private struct Lane {
        /// When the request in flight was sent.
        var sentNanoseconds: UInt64 = 0
        /// When the cycle started, or was meant to (open loop).
        var cycleStartNanoseconds: UInt64 = 0
        /// The hold or booking the cycle made, for the next request of the cycle.
        var hold = LaneHold(id: 0, show: 0, seats: [])
    }

    private var codec: Codec
    /// Greeting answers still to come before the lanes start.
    private var greetingAnswersDue = 0
    private let plan: LanePlan
    private var lanes: [Lane]
    private var pacing: Pacing
    private var random: SplitMix64
    /// Lanes with no cycle in flight.
    private var freeLanes: [Int] = []
    private var waitingArrivals = CircularBuffer<UInt64>()
    /// Open loop: the next admission of arrivals, cancelled when the connection closes.
    private var nextAdmission: Scheduled<Void>?
    /// False once no new cycle may start: the end, the bound on operations, or a sold-out show.
    private var accepting = true
    private let measureFromNanoseconds: UInt64
    private let endNanoseconds: UInt64
    private let tally: LoadTally
    /// This connection's counts, handed to `tally` when it closes.
    private var counts = LoadTally.Counts()
    /// Headline answers not yet published to `tally`.
    private var unpublishedHeadline = 0
    /// Requests written since the last flush, sent together.
    private var outbound: ByteBuffer
    private let finished: EventLoopPromise<Void>

    init(
        codec: Codec,
        plan: LanePlan,
        pacing: Pacing,
        seed: UInt64,
        measureFrom: NIODeadline,
        end: NIODeadline,
        tally: LoadTally,
        finished: EventLoopPromise<Void>
    ) {
        self.codec = codec
        self.plan = plan
        self.lanes = Array(repeating: Lane(), count: plan.lanes)
        self.pacing = pacing
        self.random = SplitMix64(seed: seed)
        self.measureFromNanoseconds = measureFrom.uptimeNanoseconds
        self.endNanoseconds = end.uptimeNanoseconds
        self.tally = tally
        self.finished = finished
        self.outbound = ByteBufferAllocator().buffer(capacity: 4096)
    }

    func channelActive(context: ChannelHandlerContext) {
        greetingAnswersDue = codec.greet(into: &outbound)
        if greetingAnswersDue == 0 {
            beginLanes(context: context)
        } else {
            flushOutbound(context: context)
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        nextAdmission?.cancel()
        // Arrivals still waiting for a lane when the connection ends never started.
        counts.unstartedArrivals += waitingArrivals.count
        waitingArrivals.removeAll()
        _ = tally.publishHeadline(unpublishedHeadline)
        tally.merge(counts)
        finished.succeed(())
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let answer = unwrapInboundIn(data)
        guard greetingAnswersDue == 0 else {
            do {
                try codec.acceptGreetingAnswer(answer)
            } catch {
                return fail(error.description, context: context)
            }
            greetingAnswersDue -= 1
            if greetingAnswersDue == 0 { beginLanes(context: context) }
            return
        }
        let lane: Int
        let step: Workload.Step
        let outcome: LoadOutcome
        do {
            (lane, step, outcome) = try codec.decode(answer)
        } catch {
            return fail(error.description, context: context)
        }
        guard lanes.indices.contains(lane) else { return fail("answer to an unknown lane", context: context) }
        let now = NIODeadline.now().uptimeNanoseconds
        let isMeasured = (measureFromNanoseconds..<endNanoseconds).contains(now)
        if isMeasured {
            counts.recordAnswer(step, latencyNanoseconds: now - lanes[lane].sentNanoseconds)
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
            endCycle(lane, now: now, context: context)
        case (.holdRelease, .hold, .held(let id, let seats)), (.bestAvailable, .hold, .held(let id, let seats)):
            lanes[lane].hold = LaneHold(id: id, show: lanes[lane].hold.show, seats: seats)
            send(.release(lanes[lane].hold), lane: lane, context: context)
        case (_, .hold, .held(let id, let seats)):
            lanes[lane].hold = LaneHold(id: id, show: lanes[lane].hold.show, seats: seats)
            send(.confirm(lanes[lane].hold), lane: lane, context: context)
        case (.holdConfirmCancel, .confirm, .booked(let id)):
            lanes[lane].hold.id = id
            send(.cancel(lanes[lane].hold), lane: lane, context: context)
        case (_, .confirm, .booked):
            if plan.workload == .flashSale { counts.recordSale(lanes[lane].hold.seats, at: now) }
            endCycle(lane, now: now, context: context)
        case (_, .release, .done), (_, .cancel, .done), (_, .availability, .done):
            endCycle(lane, now: now, context: context)
        default:
            fail("\(step.noun) answered with \(outcome)", context: context)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flushOutbound(context: context)
    }

    /// Sends what the lanes wrote since the last flush as one buffer: one allocation and one
    /// pass down the pipeline per batch of answers, not per request.
    private func flushOutbound(context: ChannelHandlerContext) {
        guard outbound.readableBytes > 0 else { return }
        context.writeAndFlush(wrapOutboundOut(outbound), promise: nil)
        // The buffer just written is NIO's now; clearing it here would copy it.
        outbound = context.channel.allocator.buffer(capacity: max(4096, outbound.capacity))
    }

    private func beginLanes(context: ChannelHandlerContext) {
        switch pacing {
        case .closedLoop:
            let now = NIODeadline.now().uptimeNanoseconds
            for lane in lanes.indices { startCycle(lane, intendedStart: now, context: context) }
        case .openLoop:
            freeLanes = Array(lanes.indices.reversed())
            admitDueArrivals(context: context)
        }
        flushOutbound(context: context)
    }

    /// Open loop: starts (or queues) every arrival whose time has come, then sleeps until the next.
    private func admitDueArrivals(context: ChannelHandlerContext) {
        guard case .openLoop(var schedule) = pacing else { return }
        let now = NIODeadline.now().uptimeNanoseconds
        while accepting, schedule.nextNanoseconds <= now, schedule.nextNanoseconds < endNanoseconds {
            let intended = schedule.takeNext()
            if let lane = freeLanes.popLast() {
                startCycle(lane, intendedStart: intended, context: context)
            } else if waitingArrivals.count < ArrivalSchedule.waitingArrivalsMax {
                waitingArrivals.append(intended)
            } else {
                counts.unstartedArrivals += 1
            }
        }
        pacing = .openLoop(schedule)
        flushOutbound(context: context)
        guard accepting, schedule.nextNanoseconds < endNanoseconds else {
            accepting = false
            return closeIfIdle(context: context)
        }
        let tick = ArrivalSchedule.admissionTickNanoseconds
        let wake = (max(schedule.nextNanoseconds, now + 1) + tick - 1) / tick * tick
        nextAdmission = context.eventLoop.assumeIsolated().scheduleTask(deadline: .uptimeNanoseconds(wake)) { [self] in
            admitDueArrivals(context: context)
        }
    }

    private func endCycle(_ lane: Int, now: UInt64, context: ChannelHandlerContext) {
        switch pacing {
        case .closedLoop:
            if accepting, now < endNanoseconds { return startCycle(lane, intendedStart: now, context: context) }
            accepting = false
        case .openLoop:
            if (measureFromNanoseconds..<endNanoseconds).contains(now) {
                counts.cycles.record(now - lanes[lane].cycleStartNanoseconds)
            }
            if accepting, let intended = waitingArrivals.popFirst() {
                return startCycle(lane, intendedStart: intended, context: context)
            }
        }
        freeLanes.append(lane)
        closeIfIdle(context: context)
    }

    private func closeIfIdle(context: ChannelHandlerContext) {
        if !accepting, freeLanes.count == lanes.count { context.close(promise: nil) }
    }

    private func startCycle(_ lane: Int, intendedStart: UInt64, context: ChannelHandlerContext) {
        lanes[lane].cycleStartNanoseconds = intendedStart
        switch plan.workload {
        case .holdRelease, .holdConfirmCancel:
            hold(show: plan.shows[0].show, seat: plan.ownSeats[lane], lane: lane, context: context)
        case .uniform:
            holdRandomSeat(lane: lane, context: context)
        case .bestAvailable, .flashSale:
            let (show, seatCount) = randomShow()
            lanes[lane].hold.show = show
            let count = plan.workload.seatsPerHold
            guard Codec.choosesBestSeats else {
                let blocks = seatCount / UInt32(count)
                let first = UInt32.random(in: 0..<blocks, using: &random) * UInt32(count)
                return send(.hold(show: show, seats: Array(first..<first + UInt32(count))), lane: lane, context: context)
            }
            send(.holdBestAvailable(show: show, count: count), lane: lane, context: context)
        case .mixed:
            if Double.random(in: 0..<1, using: &random) < plan.readShare {
                send(.availability(show: randomShow().show), lane: lane, context: context)
            } else {
                holdRandomSeat(lane: lane, context: context)
            }
        }
    }

    private func randomShow() -> (show: UInt32, seatCount: UInt32) {
        plan.shows[Int.random(in: 0..<plan.shows.count, using: &random)]
    }

    private func holdRandomSeat(lane: Int, context: ChannelHandlerContext) {
        let (show, seatCount) = randomShow()
        hold(show: show, seat: UInt32.random(in: 0..<seatCount, using: &random), lane: lane, context: context)
    }

    private func hold(show: UInt32, seat: UInt32, lane: Int, context: ChannelHandlerContext) {
        lanes[lane].hold.show = show
        send(.hold(show: show, seats: [seat]), lane: lane, context: context)
    }

    private func send(_ request: LoadRequest, lane: Int, context: ChannelHandlerContext) {
        lanes[lane].sentNanoseconds = NIODeadline.now().uptimeNanoseconds
        codec.encode(request, lane: lane, into: &outbound)
    }

    private func fail(_ reason: String, context: ChannelHandlerContext) {
        counts.failures.append(reason)
        context.close(promise: nil)
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
