import NIOCore
import SeatProtocol

/// A request on its way out, with the promise its answer fulfils.
struct OutgoingRequest {
    let request: Request
    let promise: EventLoopPromise<Response>
}

/// The client's end of one connection: numbers requests, writes them, and matches answers to
/// them by request id, so any number may be pipelined. Events go to `onEvent`.
final class ClientHandler: ChannelDuplexHandler {
    typealias InboundIn = Frame
    typealias OutboundIn = OutgoingRequest
    typealias OutboundOut = ByteBuffer

    private struct Pending {
        let opcode: Opcode
        let batchOpcodes: [Opcode]
        let promise: EventLoopPromise<Response>
    }

    private var nextRequestID: UInt32 = 1
    private var pending: [UInt32: Pending] = [:]
    private let onEvent: @Sendable (SeatEvent) -> Void

    init(onEvent: @escaping @Sendable (SeatEvent) -> Void) {
        self.onEvent = onEvent
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let outgoing = unwrapOutboundIn(data)
        let id = nextRequestID
        nextRequestID = nextRequestID == UInt32.max ? 1 : nextRequestID + 1
        var batchOpcodes: [Opcode] = []
        if case .batch(let batch) = outgoing.request { batchOpcodes = batch.operations.map(\.opcode) }
        pending[id] = Pending(opcode: outgoing.request.opcode, batchOpcodes: batchOpcodes, promise: outgoing.promise)
        var buffer = context.channel.allocator.buffer(capacity: 64)
        buffer.writeFrame(FrameHeader(opcode: outgoing.request.opcode, requestID: id)) {
            outgoing.request.encodePayload(into: &$0)
        }
        context.write(wrapOutboundOut(buffer), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        var payload = frame.payload
        let header = frame.header
        if header.flags.contains(.event) {
            guard let event = try? SeatEvent.decode(from: &payload) else {
                return fail(context: context, .protocolViolation("unreadable event"))
            }
            onEvent(event)
            return
        }
        guard header.flags.contains(.response), let request = pending.removeValue(forKey: header.requestID) else {
            if header.flags.contains(.error), let error = try? ErrorReply.decode(from: &payload) {
                // A refusal of the connection itself (request id 0): everything waiting fails with it.
                return fail(context: context, .refused(error))
            }
            return fail(context: context, .protocolViolation("answer to unknown request \(header.requestID)"))
        }
        do {
            if header.flags.contains(.error) {
                request.promise.fail(SeatClientError.refused(try ErrorReply.decode(from: &payload)))
            } else {
                request.promise.succeed(
                    try Response.decode(opcode: request.opcode, payload: &payload, batchOpcodes: request.batchOpcodes))
            }
        } catch {
            request.promise.fail(SeatClientError.protocolViolation("\(request.opcode) reply: \(error)"))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(.connectionClosed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        fail(context: context, .protocolViolation("\(error)"))
    }

    private func fail(context: ChannelHandlerContext, _ error: SeatClientError) {
        failAll(error)
        context.close(promise: nil)
    }

    private func failAll(_ error: SeatClientError) {
        let waiting = pending
        pending.removeAll()
        for request in waiting.values { request.promise.fail(error) }
    }
}
