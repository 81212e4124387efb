import NIOCore
import SeatProtocol

/// Drives one connection entirely on its event loop, as redis-benchmark does: HELLO, then
/// `depth` lanes, each holding its own seat, releasing it when held, holding it again when
/// released, until `end`. No task or continuation per request, so the client costs far less
/// than the server it measures.
final class LoadConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = Frame
    typealias OutboundOut = ByteBuffer

    struct Lane {
        let seat: UInt32
        var sentNanoseconds: UInt64 = 0
    }

    private let apiKey: String
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
        show: UInt32,
        seats: [UInt32],
        measureFrom: NIODeadline,
        end: NIODeadline,
        tally: LoadTally,
        finished: EventLoopPromise<Void>
    ) {
        self.apiKey = apiKey
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
        // Request ids are lane × 2 + (0 for a hold, 1 for a release).
        let lane = Int(header.requestID >> 1)
        guard lane < lanes.count else { return fail("answer to an unknown request", context: context) }
        let now = NIODeadline.now().uptimeNanoseconds
        if header.flags.contains(.error) {
            var payload = frame.payload
            let code = (try? ErrorReply.decode(from: &payload))?.code ?? .internalError
            tally.recordRefusal(code)
            continueLane(lane, heldHold: nil, now: now, context: context)
        } else if header.requestID & 1 == 0 {
            var payload = frame.payload
            guard case .held(let reply) = try? Response.decode(opcode: .hold, payload: &payload) else {
                return fail("unreadable hold reply", context: context)
            }
            if lanes[lane].sentNanoseconds >= measureFromNanoseconds {
                tally.recordHold(latencyNanoseconds: now - lanes[lane].sentNanoseconds)
            }
            continueLane(lane, heldHold: reply.hold, now: now, context: context)
        } else {
            continueLane(lane, heldHold: nil, now: now, context: context)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    private func continueLane(_ lane: Int, heldHold: UInt64?, now: UInt64, context: ChannelHandlerContext) {
        if let heldHold {
            // Always release what was held, even past the end, so the show is left as found.
            send(.release(ReservationCommand(id: heldHold)), requestID: UInt32(lane << 1 | 1), context: context)
        } else if now < endNanoseconds {
            hold(lane, context: context)
        } else {
            stopped += 1
            if stopped == lanes.count { context.close(promise: nil) }
        }
    }

    private func hold(_ lane: Int, context: ChannelHandlerContext) {
        lanes[lane].sentNanoseconds = NIODeadline.now().uptimeNanoseconds
        let request = HoldRequest(show: show, holdMilliseconds: holdMilliseconds, seats: [lanes[lane].seat])
        send(.hold(request), requestID: UInt32(lane << 1), context: context)
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
