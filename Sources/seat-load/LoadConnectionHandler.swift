import NIOCore
import SeatProtocol

/// Drives one connection entirely on its event loop, as redis-benchmark does: HELLO, then
/// `depth` lanes, each repeating its ``LoadCycle`` on its own seat until `end`. No task or
/// continuation per request, so the client costs far less than the server it measures.
///
/// Closed loop, a lane starts its next cycle as soon as the last one ends. Open loop, cycles
/// start on an ``ArrivalSchedule``: an arrival takes a free lane, or waits for one, and its
/// latency counts from when it was meant to start.
final class LoadConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = Frame
    typealias OutboundOut = ByteBuffer

    enum Pacing {
        case closedLoop
        case openLoop(ArrivalSchedule)
    }

    /// Open loop: arrivals that may wait for a lane; beyond this the client, not the server,
    /// is the bottleneck, and further arrivals are counted as unstarted.
    static let waitingArrivalsMax = 100_000
    /// Open loop: arrivals are admitted on a grid of this step, shared by every connection, so
    /// one wake-up of the event loop admits the due arrivals of all its connections at once.
    /// Measured here, waking for each arrival instead cost the client more than the batching delay.
    static let admissionTickNanoseconds: UInt64 = 200_000

    struct Lane {
        let seat: UInt32
        /// When the measured request was sent (closed loop) or the cycle meant to start (open loop).
        var latencyFromNanoseconds: UInt64 = 0
    }

    private let apiKey: String
    private let cycle: LoadCycle
    private let show: UInt32
    private let holdMilliseconds: UInt32 = 60_000
    private var lanes: [Lane]
    private var pacing: Pacing
    private var freeLanes: [Int] = []
    private var waitingArrivals = CircularBuffer<UInt64>()
    private var admissionEnded = false
    private let measureFromNanoseconds: UInt64
    private let endNanoseconds: UInt64
    private let tally: LoadTally
    private var stopped = 0
    private let finished: EventLoopPromise<Void>

    init(
        apiKey: String,
        cycle: LoadCycle,
        show: UInt32,
        seats: [UInt32],
        pacing: Pacing,
        measureFrom: NIODeadline,
        end: NIODeadline,
        tally: LoadTally,
        finished: EventLoopPromise<Void>
    ) {
        self.apiKey = apiKey
        self.cycle = cycle
        self.show = show
        self.lanes = seats.map { Lane(seat: $0) }
        self.pacing = pacing
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
        // Request ids are lane × 4 + the step.
        let lane = Int(header.requestID >> 2)
        guard lane < lanes.count, let step = LoadCycle.Step(rawValue: header.requestID & 3) else {
            return fail("answer to an unknown request", context: context)
        }
        let now = NIODeadline.now().uptimeNanoseconds
        var payload = frame.payload
        guard !header.flags.contains(.error) else {
            tally.recordRefusal((try? ErrorReply.decode(from: &payload))?.code ?? .internalError, of: step)
            // The cycle ends here; a seat that a refusal left held or booked makes its later
            // holds refused, and counted, rather than the run stop.
            return endCycle(lane, now: now, context: context)
        }
        // The rate is answers within the measured window; their latencies are recorded whenever
        // they were sent or meant to start, so a backlog from the warm-up still shows.
        if step == cycle.measured, (measureFromNanoseconds..<endNanoseconds).contains(now) {
            tally.recordMeasured(latencyNanoseconds: now - lanes[lane].latencyFromNanoseconds)
        }
        guard let response = try? Response.decode(opcode: header.opcode, payload: &payload) else {
            return fail("unreadable \(step.noun) reply", context: context)
        }
        // Always finish a started cycle, even past the end, so the show is left as found.
        switch (cycle, step, response) {
        case (.holdRelease, .hold, .held(let reply)):
            send(.release(ReservationCommand(id: reply.hold)), step: .release, lane: lane, context: context)
        case (.holdConfirmCancel, .hold, .held(let reply)):
            send(.confirm(ReservationCommand(id: reply.hold)), step: .confirm, lane: lane, context: context)
        case (.holdConfirmCancel, .confirm, .booked(let booking)):
            send(.cancelBooking(ReservationCommand(id: booking)), step: .cancel, lane: lane, context: context)
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
        while schedule.nextNanoseconds <= now, schedule.nextNanoseconds < endNanoseconds {
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
        guard schedule.nextNanoseconds < endNanoseconds else {
            admissionEnded = true
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
            guard now < endNanoseconds else {
                stopped += 1
                if stopped == lanes.count { context.close(promise: nil) }
                return
            }
            startCycle(lane, intendedStart: now, context: context)
        case .openLoop:
            if let intended = waitingArrivals.popFirst() {
                startCycle(lane, intendedStart: intended, context: context)
            } else {
                freeLanes.append(lane)
                closeIfIdle(context: context)
            }
        }
    }

    private func closeIfIdle(context: ChannelHandlerContext) {
        if admissionEnded, freeLanes.count == lanes.count { context.close(promise: nil) }
    }

    private func startCycle(_ lane: Int, intendedStart: UInt64, context: ChannelHandlerContext) {
        if case .openLoop = pacing { lanes[lane].latencyFromNanoseconds = intendedStart }
        let request = HoldRequest(show: show, holdMilliseconds: holdMilliseconds, seats: [lanes[lane].seat])
        send(.hold(request), step: .hold, lane: lane, context: context)
    }

    private func send(_ request: Request, step: LoadCycle.Step, lane: Int, context: ChannelHandlerContext) {
        if case .closedLoop = pacing, step == cycle.measured {
            lanes[lane].latencyFromNanoseconds = NIODeadline.now().uptimeNanoseconds
        }
        send(request, requestID: UInt32(lane << 2) | step.rawValue, context: context)
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
