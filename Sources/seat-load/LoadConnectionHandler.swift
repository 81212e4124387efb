import NIOCore
import SeatProtocol

/// Drives one connection entirely on its event loop, as redis-benchmark does: HELLO, then
/// `depth` lanes, each running its ``Workload``'s cycles, one request in flight per lane. No
/// task or continuation per request, so the client costs far less than the server it measures.
///
/// Closed loop, a lane starts its next cycle as soon as the last one ends. Open loop, cycles
/// start on an ``ArrivalSchedule``: an arrival takes a free lane, or waits for one, and the
/// cycle's latency counts from when it was meant to start.
final class LoadConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = Frame
    typealias OutboundOut = ByteBuffer

    enum Pacing {
        case closedLoop
        case openLoop(ArrivalSchedule)
    }

    /// What the connection's lanes work on.
    struct Plan {
        let workload: Workload
        /// Own-seat workloads: the show and each lane's seat. Others: the shows to choose from.
        let shows: [(show: UInt32, seatCount: UInt32)]
        let ownSeats: [UInt32]
        let lanes: Int
        /// How long each hold asks for.
        let holdMilliseconds: UInt32
        /// The share of mixed cycles that read availability, in [0, 1].
        let readShare: Double
    }

    /// Open loop: arrivals that may wait for a lane; beyond this the client, not the server,
    /// is the bottleneck, and further arrivals are counted as unstarted.
    static let waitingArrivalsMax = 100_000
    /// Open loop: arrivals are admitted on a grid of this step, shared by every connection, so
    /// one wake-up of the event loop admits the due arrivals of all its connections at once.
    /// Measured here, waking for each arrival instead cost the client more than the batching delay.
    static let admissionTickNanoseconds: UInt64 = 200_000

    private struct Lane {
        /// When the request in flight was sent.
        var sentNanoseconds: UInt64 = 0
        /// When the cycle started, or was meant to (open loop).
        var cycleStartNanoseconds: UInt64 = 0
        /// Flash sale: the seats of the hold being confirmed.
        var heldSeats: [UInt32] = []
    }

    private let apiKey: String
    private let plan: Plan
    private var lanes: [Lane]
    private var pacing: Pacing
    private var random: SplitMix64
    /// Lanes with no cycle in flight.
    private var freeLanes: [Int] = []
    private var waitingArrivals = CircularBuffer<UInt64>()
    /// False once no new cycle may start: the end, the bound on operations, or a sold-out show.
    private var accepting = true
    private let measureFromNanoseconds: UInt64
    private let endNanoseconds: UInt64
    private let tally: LoadTally
    private let finished: EventLoopPromise<Void>

    init(
        apiKey: String,
        plan: Plan,
        pacing: Pacing,
        seed: UInt64,
        measureFrom: NIODeadline,
        end: NIODeadline,
        tally: LoadTally,
        finished: EventLoopPromise<Void>
    ) {
        self.apiKey = apiKey
        self.plan = plan
        self.lanes = Array(repeating: Lane(), count: plan.lanes)
        self.pacing = pacing
        self.random = SplitMix64(seed: seed)
        self.measureFromNanoseconds = measureFrom.uptimeNanoseconds
        self.endNanoseconds = end.uptimeNanoseconds
        self.tally = tally
        self.finished = finished
    }

    func channelActive(context: ChannelHandlerContext) {
        send(.hello(Hello(apiKey: apiKey, clientName: "seat-load")), requestID: UInt32.max, context: context)
        context.flush()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        finished.succeed(())
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        let header = frame.header
        guard header.requestID != UInt32.max else {
            guard !header.flags.contains(.error) else { return fail("HELLO refused", context: context) }
            return beginLanes(context: context)
        }
        // Request ids are lane × 8 + the step.
        let lane = Int(header.requestID >> 3)
        guard lane < lanes.count, let step = Workload.Step(rawValue: header.requestID & 7) else {
            return fail("answer to an unknown request", context: context)
        }
        let now = NIODeadline.now().uptimeNanoseconds
        if (measureFromNanoseconds..<endNanoseconds).contains(now),
            !tally.recordAnswer(step, latencyNanoseconds: now - lanes[lane].sentNanoseconds)
        {
            accepting = false
        }
        var payload = frame.payload
        guard !header.flags.contains(.error) else {
            let code = (try? ErrorReply.decode(from: &payload))?.code ?? .internalError
            tally.recordRefusal(code, of: step)
            // A flash sale is over for a lane once no pair is left.
            if plan.workload == .flashSale, step == .hold, code == .noBlockAvailable { accepting = false }
            // The cycle ends here; a seat that a refusal left held or booked makes that lane's
            // later holds refused, and counted, rather than the run stop.
            return endCycle(lane, now: now, context: context)
        }
        // Availability replies are large and their content is not needed: only success counts.
        if step == .availability {
            guard header.opcode == .availability else { return fail("availability answered with \(header.opcode)", context: context) }
            return endCycle(lane, now: now, context: context)
        }
        guard let response = try? Response.decode(opcode: header.opcode, payload: &payload) else {
            return fail("unreadable \(step.noun) reply", context: context)
        }
        // Always finish a started cycle, even past the end, so own seats are left as found.
        switch (plan.workload, step, response) {
        case (.holdRelease, .hold, .held(let reply)), (.bestAvailable, .hold, .held(let reply)):
            send(.release(ReservationCommand(id: reply.hold)), step: .release, lane: lane, context: context)
        case (_, .hold, .held(let reply)):
            lanes[lane].heldSeats = reply.seats
            send(.confirm(ReservationCommand(id: reply.hold)), step: .confirm, lane: lane, context: context)
        case (.holdConfirmCancel, .confirm, .booked(let booking)):
            send(.cancelBooking(ReservationCommand(id: booking)), step: .cancel, lane: lane, context: context)
        case (_, .confirm, .booked):
            if plan.workload == .flashSale { tally.recordSale(lanes[lane].heldSeats, at: now) }
            endCycle(lane, now: now, context: context)
        case (_, .release, .done), (_, .cancel, .done):
            endCycle(lane, now: now, context: context)
        default:
            fail("\(step.noun) answered with \(response)", context: context)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
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
    }

    /// Open loop: starts (or queues) every arrival whose time has come, then sleeps until the next.
    private func admitDueArrivals(context: ChannelHandlerContext) {
        guard case .openLoop(var schedule) = pacing else { return }
        let now = NIODeadline.now().uptimeNanoseconds
        while accepting, schedule.nextNanoseconds <= now, schedule.nextNanoseconds < endNanoseconds {
            let intended = schedule.takeNext()
            if let lane = freeLanes.popLast() {
                startCycle(lane, intendedStart: intended, context: context)
            } else if waitingArrivals.count < Self.waitingArrivalsMax {
                waitingArrivals.append(intended)
            } else {
                tally.recordUnstarted(1)
            }
        }
        pacing = .openLoop(schedule)
        context.flush()
        guard accepting, schedule.nextNanoseconds < endNanoseconds else {
            accepting = false
            tally.recordUnstarted(waitingArrivals.count)
            waitingArrivals.removeAll()
            return closeIfIdle(context: context)
        }
        let tick = Self.admissionTickNanoseconds
        let wake = (max(schedule.nextNanoseconds, now + 1) + tick - 1) / tick * tick
        context.eventLoop.assumeIsolated().scheduleTask(deadline: .uptimeNanoseconds(wake)) { [self] in
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
                tally.recordCycle(latencyNanoseconds: now - lanes[lane].cycleStartNanoseconds)
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
            let show = plan.shows[Int.random(in: 0..<plan.shows.count, using: &random)].show
            let request = BestAvailableHoldRequest(
                show: show, holdMilliseconds: plan.holdMilliseconds, count: plan.workload.seatsPerHold)
            send(.holdBestAvailable(request), step: .hold, lane: lane, context: context)
        case .mixed:
            if Double.random(in: 0..<1, using: &random) < plan.readShare {
                let show = plan.shows[Int.random(in: 0..<plan.shows.count, using: &random)].show
                send(.availability(show: show), step: .availability, lane: lane, context: context)
            } else {
                holdRandomSeat(lane: lane, context: context)
            }
        }
    }

    private func holdRandomSeat(lane: Int, context: ChannelHandlerContext) {
        let (show, seatCount) = plan.shows[Int.random(in: 0..<plan.shows.count, using: &random)]
        hold(show: show, seat: UInt32.random(in: 0..<seatCount, using: &random), lane: lane, context: context)
    }

    private func hold(show: UInt32, seat: UInt32, lane: Int, context: ChannelHandlerContext) {
        let request = HoldRequest(show: show, holdMilliseconds: plan.holdMilliseconds, seats: [seat])
        send(.hold(request), step: .hold, lane: lane, context: context)
    }

    private func send(_ request: Request, step: Workload.Step, lane: Int, context: ChannelHandlerContext) {
        lanes[lane].sentNanoseconds = NIODeadline.now().uptimeNanoseconds
        send(request, requestID: UInt32(lane << 3) | step.rawValue, context: context)
    }

    private func send(_ request: Request, requestID: UInt32, context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: 64)
        buffer.writeFrame(FrameHeader(opcode: request.opcode, requestID: requestID)) { request.encodePayload(into: &$0) }
        context.write(wrapOutboundOut(buffer), promise: nil)
    }

    private func fail(_ reason: String, context: ChannelHandlerContext) {
        tally.recordFailure(reason)
        context.close(promise: nil)
    }
}
