import NIOCore
import SeatProtocol

/// Drives one connection entirely on its event loop, as redis-benchmark does: the target's
/// greeting, then the connection's ``LoadLanes``. No task or continuation per request, so the
/// client costs far less than the server it measures. What goes on the wire is the
/// ``LoadCodec``'s business; lanes, pacing and counting are the same for every target.
final class LoadConnectionHandler<Codec: LoadCodec>: ChannelInboundHandler {
    typealias InboundIn = Codec.Answer
    typealias OutboundOut = ByteBuffer

    /// The codec and the requests written since the last flush, sent together.
    private struct Wire: LoadRequestSink {
        var codec: Codec
        var outbound: ByteBuffer

        mutating func send(_ request: LoadRequest, lane: Int) {
            codec.encode(request, lane: lane, into: &outbound)
        }

        /// Writes the codec's greeting; returns how many answers it gets.
        mutating func greet() -> Int { codec.greet(into: &outbound) }
    }

    private var wire: Wire
    private var lanes: LoadLanes
    /// Greeting answers still to come before the lanes start.
    private var greetingAnswersDue = 0
    /// Open loop: the next admission of arrivals, cancelled when the connection closes.
    private var nextAdmission: Scheduled<Void>?
    private let finished: EventLoopPromise<Void>

    init(codec: Codec, lanes: LoadLanes, finished: EventLoopPromise<Void>) {
        self.wire = Wire(codec: codec, outbound: ByteBufferAllocator().buffer(capacity: 4096))
        self.lanes = lanes
        self.finished = finished
    }

    func channelActive(context: ChannelHandlerContext) {
        greetingAnswersDue = wire.greet()
        if greetingAnswersDue == 0 {
            beginLanes(context: context)
        } else {
            flushOutbound(context: context)
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        nextAdmission?.cancel()
        lanes.close()
        finished.succeed(())
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let answer = unwrapInboundIn(data)
        do throws(LoadFailure) {
            guard greetingAnswersDue == 0 else {
                do {
                    try wire.codec.acceptGreetingAnswer(answer)
                } catch {
                    throw lanes.recordFailure(error.description)
                }
                greetingAnswersDue -= 1
                if greetingAnswersDue == 0 { beginLanes(context: context) }
                return
            }
            let (lane, step, outcome) = try decode(answer)
            try lanes.take(lane: lane, step: step, outcome: outcome, now: NIODeadline.now().uptimeNanoseconds, into: &wire)
            if lanes.isFinished { context.close(promise: nil) }
        } catch {
            context.close(promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flushOutbound(context: context)
    }

    private func decode(_ answer: Codec.Answer) throws(LoadFailure) -> (lane: Int, step: Workload.Step, outcome: LoadOutcome) {
        do {
            return try wire.codec.decode(answer)
        } catch {
            throw lanes.recordFailure(error.description)
        }
    }

    /// Sends what the lanes wrote since the last flush as one buffer: one allocation and one
    /// pass down the pipeline per batch of answers, not per request.
    private func flushOutbound(context: ChannelHandlerContext) {
        guard wire.outbound.readableBytes > 0 else { return }
        context.writeAndFlush(wrapOutboundOut(wire.outbound), promise: nil)
        // The buffer just written is NIO's now; clearing it here would copy it.
        wire.outbound = context.channel.allocator.buffer(capacity: max(4096, wire.outbound.capacity))
    }

    private func beginLanes(context: ChannelHandlerContext) {
        lanes.begin(now: NIODeadline.now().uptimeNanoseconds, into: &wire)
        if lanes.isOpenLoop { admitDueArrivals(context: context) }
        flushOutbound(context: context)
    }

    /// Open loop: starts (or queues) every arrival whose time has come, then sleeps until the next.
    private func admitDueArrivals(context: ChannelHandlerContext) {
        let now = NIODeadline.now().uptimeNanoseconds
        let next = lanes.admitDueArrivals(now: now, into: &wire)
        flushOutbound(context: context)
        guard let next else {
            if lanes.isFinished { context.close(promise: nil) }
            return
        }
        let tick = ArrivalSchedule.admissionTickNanoseconds
        let wake = (max(next, now + 1) + tick - 1) / tick * tick
        nextAdmission = context.eventLoop.assumeIsolated().scheduleTask(deadline: .uptimeNanoseconds(wake)) { [self] in
            admitDueArrivals(context: context)
        }
    }
}
