import NIOCore
import SeatProtocol

/// Drives one connection entirely on its event loop, as redis-benchmark does: HELLO, then
/// `depth` lanes, each repeating its ``LoadCycle`` on its own seat until `end`. No task or
/// continuation per request, so the client costs far less than the server it measures.
final class LoadConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = Frame
    typealias OutboundOut = ByteBuffer

    struct Lane {
        let seat: UInt32
        var sentNanoseconds: UInt64 = 0
    }

    private let apiKey: String
    private let cycle: LoadCycle
    private let show: UInt32
    private let holdMilliseconds: UInt32 = 60_000
    private var lanes: [Lane]
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
        measureFrom: NIODeadline,
        end: NIODeadline,
        tally: LoadTally,
        finished: EventLoopPromise<Void>
    ) {
        self.apiKey = apiKey
        self.cycle = cycle
        self.show = show
        self.lanes = seats.map { Lane(seat: $0) }
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
            for lane in lanes.indices { hold(lane, context: context) }
            return
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
            // The lane starts over; a seat that a refusal left held or booked makes its later
            // holds refused, and counted, rather than the run stop.
            return startCycle(lane, now: now, context: context)
        }
        if step == cycle.measured, lanes[lane].sentNanoseconds >= measureFromNanoseconds {
            tally.recordMeasured(latencyNanoseconds: now - lanes[lane].sentNanoseconds)
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
            startCycle(lane, now: now, context: context)
        default:
            fail("\(step.noun) answered with \(response)", context: context)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    private func startCycle(_ lane: Int, now: UInt64, context: ChannelHandlerContext) {
        guard now < endNanoseconds else {
            stopped += 1
            if stopped == lanes.count { context.close(promise: nil) }
            return
        }
        hold(lane, context: context)
    }

    private func hold(_ lane: Int, context: ChannelHandlerContext) {
        let request = HoldRequest(show: show, holdMilliseconds: holdMilliseconds, seats: [lanes[lane].seat])
        send(.hold(request), step: .hold, lane: lane, context: context)
    }

    private func send(_ request: Request, step: LoadCycle.Step, lane: Int, context: ChannelHandlerContext) {
        if step == cycle.measured { lanes[lane].sentNanoseconds = NIODeadline.now().uptimeNanoseconds }
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
