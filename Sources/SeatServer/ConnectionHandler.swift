import Logging
import NIOCore
import SeatJournal
import SeatProtocol

/// One client connection: feeds frames to its ``ServerConnectionStateMachine`` and runs the
/// actions it returns.
///
/// Responses to one read's worth of pipelined requests are gathered in one buffer and written
/// with one flush when the read is done. `BackPressureHandler`, ahead of this handler, stops
/// reading while the peer is not taking its responses, so the buffer stays bounded.
///
/// When changes are journaled, a buffer holding the answer to a change is parked until the
/// journal reports durable everything appended up to the moment the read was done; buffers
/// behind a parked one park too, and seat events join the last parked buffer, so the peer sees
/// responses and events in order. Parked requests still count against the in-flight limit.
/// A SNAPSHOT parks a placeholder the same way, filled with its answer once the snapshot is
/// written, so a slow snapshot delays only what this connection sent after it.
final class ConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = Frame
    typealias OutboundOut = ByteBuffer

    private var machine: ServerConnectionStateMachine
    private let service: SeatService
    private let feeds: ShowFeeds
    private let progress: FrameProgress
    private var logger: Logger
    private var output = ByteBuffer()
    /// Responses in `output`, reported to the machine once written.
    private var outputResponses = 0
    /// Whether `output` answers a change, so must wait for the journal.
    private var outputAwaitsJournal = false
    /// Output waiting for the journal or a snapshot, oldest first.
    private var parked = CircularBuffer<ParkedOutput>()
    /// Event bytes in `parked`, kept at most `parkedEventBytesMax`; answers are bounded by the
    /// in-flight limit instead.
    private var parkedEventBytes = 0
    private let parkedEventBytesMax: Int
    /// The journal reported everything up to here durable.
    private var journalReportedThrough: UInt64 = 0
    private var subscriptions: Set<UInt32> = []
    private var closeAfterFlush = false

    private struct ParkedOutput {
        /// Written once the journal is durable through this LSN.
        let lsn: UInt64
        var bytes: ByteBuffer
        let responses: Int
        let closeAfterwards: Bool
        /// The placeholder for a snapshot's answer, not yet taken.
        var awaitsSnapshot = false
        /// Of `bytes`, those of seat events that joined it while it waited.
        var eventBytes = 0
    }

    init(
        machine: ServerConnectionStateMachine,
        service: SeatService,
        feeds: ShowFeeds,
        progress: FrameProgress,
        parkedEventBytesMax: Int,
        logger: Logger
    ) {
        self.machine = machine
        self.service = service
        self.feeds = feeds
        self.progress = progress
        self.parkedEventBytesMax = parkedEventBytesMax
        self.logger = logger
    }

    func channelActive(context: ChannelHandlerContext) {
        logger[metadataKey: "peer"] = "\(context.remoteAddress.map { "\($0)" } ?? "?")"
        service.statistics.add(.connectionsAccepted)
        service.statistics.add(.connectionsOpen)
        logger.debug("connection opened")
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        for show in subscriptions { feeds.unsubscribe(context.channel, from: show) }
        subscriptions.removeAll()
        service.statistics.add(.connectionsOpen, -1)
        logger.debug("connection closed")
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        run(machine.frameReceived(frame), context: context)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flush(context: context)
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let framing = error as? FrameError {
            logger.notice("unreadable frame", metadata: ["error": "\(framing)"])
            run(machine.framingFailed(framing), context: context)
            flush(context: context)
        } else {
            logger.debug("connection error", metadata: ["error": "\(error)"])
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case let idle as IdleStateHandler.IdleStateEvent where idle == .read:
            run(machine.readTimedOut(hasPartialFrame: progress.hasPartialFrame), context: context)
            flush(context: context)
        case is DrainEvent:
            machine.drain()
            closeAfterFlush = true
            flush(context: context)
        case let event as EventFrame:
            deliver(event.frame, context: context)
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    private func run(_ action: ServerConnectionStateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .acceptHello(let requestID, let version, let role):
            logger[metadataKey: "role"] = "\(role)"
            logger.debug("authenticated")
            let reply = HelloReply(version: version, role: role, serverTimeMilliseconds: service.clock.nowUnixMilliseconds)
            append(.hello(reply), opcode: .hello, requestID: requestID)
        case .execute(let request, let requestID):
            service.statistics.add(.requests)
            switch request {
            case .subscribe(let show):
                subscribe(to: show, requestID: requestID, context: context)
            case .unsubscribe(let show):
                feeds.unsubscribe(context.channel, from: show)
                subscriptions.remove(show)
                append(.done, opcode: .unsubscribe, requestID: requestID)
            case .snapshot:
                takeSnapshot(requestID: requestID, context: context)
            default:
                let result = service.execute(request)
                // A change refused because the journal takes no more changes claims nothing and
                // changed nothing; once the journal has failed it never becomes durable again, so
                // waiting for it would close the connection instead of answering.
                if request.changesState, !Self.isStorageRefusal(result) { outputAwaitsJournal = true }
                switch result {
                case .success(let response): append(response, opcode: request.opcode, requestID: requestID)
                case .failure(let error): refuse(error, opcode: request.opcode, requestID: requestID)
                }
            }
        case .refuse(let error, let opcode, let requestID):
            refuse(error, opcode: opcode, requestID: requestID)
            // The machine decides, not the code: a HELLO that does not decode is answered with
            // MALFORMED_PAYLOAD, which leaves other connections open, and ends this one.
            if machine.state == .closing {
                logger.notice("closing connection", metadata: ["error": "\(error)"])
                closeAfterFlush = true
            }
        case .ignore:
            break
        }
    }

    private func subscribe(to show: UInt32, requestID: UInt32, context: ChannelHandlerContext) {
        guard (try? service.engine.layout(of: .init(rawValue: show))) != nil else {
            refuse(ErrorReply(.unknownShow, detail: UInt64(show), message: "unknown show \(show)"), opcode: .subscribe, requestID: requestID)
            return
        }
        guard subscriptions.contains(show) || subscriptions.count < ProtocolLimits.subscriptionsPerConnectionMax else {
            let limit = ProtocolLimits.subscriptionsPerConnectionMax
            refuse(
                ErrorReply(.subscriptionLimit, detail: UInt64(limit), message: "at most \(limit) subscriptions per connection"),
                opcode: .subscribe, requestID: requestID)
            return
        }
        subscriptions.insert(show)
        let next = feeds.subscribe(context.channel, to: show)
        append(.subscribed(show: show, nextSequence: next), opcode: .subscribe, requestID: requestID)
        // Out now: events are queued behind this point on the event loop, so the reply goes first.
        flush(context: context)
    }

    private func takeSnapshot(requestID: UInt32, context: ChannelHandlerContext) {
        // What came before goes first; the placeholder holds back what comes after.
        flush(context: context)
        parked.append(
            ParkedOutput(
                lsn: 0, bytes: context.channel.allocator.buffer(capacity: 0), responses: 1, closeAfterwards: false,
                awaitsSnapshot: true))
        let eventLoop = context.eventLoop
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: eventLoop)
        service.takeSnapshot { result in
            eventLoop.execute { bound.value.handler.snapshotTaken(result, requestID: requestID, context: bound.value.context) }
        }
    }

    private func snapshotTaken(_ result: Result<Response, ErrorReply>, requestID: UInt32, context: ChannelHandlerContext) {
        // Snapshots on request finish in the order they were asked for.
        guard let index = parked.firstIndex(where: \.awaitsSnapshot) else { return }  // closed meanwhile
        switch result {
        case .success(let response): logger.info("snapshot taken on request", metadata: ["response": "\(response)"])
        case .failure(let error):
            logger.error("snapshot on request failed", metadata: ["error": "\(error)"])
            service.statistics.add(.refusals)
        }
        var answer = context.channel.allocator.buffer(capacity: 128)
        Self.write(result, opcode: .snapshot, requestID: requestID, into: &answer)
        // Events that arrived meanwhile joined the placeholder: they follow the answer.
        answer.writeBuffer(&parked[index].bytes)
        parked[index].bytes = answer
        parked[index].awaitsSnapshot = false
        writeReadyOutput(context: context)
    }

    private func append(_ response: Response, opcode: Opcode, requestID: UInt32) {
        outputResponses += 1
        Self.write(.success(response), opcode: opcode, requestID: requestID, into: &output)
    }

    private func refuse(_ error: ErrorReply, opcode: Opcode, requestID: UInt32) {
        service.statistics.add(.refusals)
        outputResponses += 1
        Self.write(.failure(error), opcode: opcode, requestID: requestID, into: &output)
    }

    /// Whether the answer claims nothing because the journal took no change: a refusal with
    /// `STORAGE_UNAVAILABLE`, or a batch whose every operation was refused so.
    private static func isStorageRefusal(_ result: Result<Response, ErrorReply>) -> Bool {
        switch result {
        case .failure(let error):
            return error.code == .storageUnavailable
        case .success(.batch(let results)):
            return !results.isEmpty && results.allSatisfy { result in
                guard case .failure(let error) = result else { return false }
                return error.code == .storageUnavailable || error.code == .batchAborted
            }
        case .success:
            return false
        }
    }

    /// One answer's frame: a response, or an error with the error flag.
    private static func write(
        _ answer: Result<Response, ErrorReply>, opcode: Opcode, requestID: UInt32, into buffer: inout ByteBuffer
    ) {
        switch answer {
        case .success(let response):
            buffer.writeFrame(FrameHeader(flags: .response, opcode: opcode, requestID: requestID)) {
                response.encodePayload(into: &$0)
            }
        case .failure(let error):
            buffer.writeFrame(FrameHeader(flags: [.response, .error], opcode: opcode, requestID: requestID)) {
                error.encode(into: &$0)
            }
        }
    }

    private func flush(context: ChannelHandlerContext) {
        let gathered = ParkedOutput(
            lsn: outputAwaitsJournal ? journalLSN() : 0, bytes: output, responses: outputResponses,
            closeAfterwards: closeAfterFlush)
        output = context.channel.allocator.buffer(capacity: 0)
        outputResponses = 0
        outputAwaitsJournal = false
        closeAfterFlush = false
        guard gathered.lsn > 0 || !parked.isEmpty else {
            write(gathered, context: context)
            return
        }
        // Behind earlier parked output, in order, even when this output needs nothing itself.
        let waitsFor = max(gathered.lsn, parked.last?.lsn ?? 0)
        parked.append(ParkedOutput(lsn: waitsFor, bytes: gathered.bytes, responses: gathered.responses, closeAfterwards: gathered.closeAfterwards))
        guard gathered.lsn > 0, let writer = service.journal?.writer else { return }
        let eventLoop = context.eventLoop
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: eventLoop)
        writer.whenDurable(through: waitsFor) { result in
            eventLoop.execute { bound.value.handler.journalReported(result, through: waitsFor, context: bound.value.context) }
        }
    }

    /// The LSN to wait for before answering changes made so far, or 0 when nothing is waited for.
    private func journalLSN() -> UInt64 {
        guard let writer = service.journal?.writer, writer.durability != .none else { return 0 }
        return writer.appendedThrough
    }

    private func journalReported(_ result: Result<Void, JournalError>, through lsn: UInt64, context: ChannelHandlerContext) {
        if case .failure(let error) = result {
            // The changes happened in memory but may never reach the disk: no answer may claim
            // them. The client sees the connection drop and must treat those requests as unknown.
            logger.error("journal failed; closing the connection unanswered", metadata: ["error": "\(error)"])
            parked.removeAll()
            parkedEventBytes = 0
            context.close(promise: nil)
            return
        }
        journalReportedThrough = max(journalReportedThrough, lsn)
        writeReadyOutput(context: context)
    }

    /// Writes parked output from the oldest on, up to the first that still waits.
    private func writeReadyOutput(context: ChannelHandlerContext) {
        while let first = parked.first, !first.awaitsSnapshot, first.lsn <= journalReportedThrough {
            let ready = parked.removeFirst()
            parkedEventBytes -= ready.eventBytes
            write(ready, context: context)
        }
    }

    private func write(_ gathered: ParkedOutput, context: ChannelHandlerContext) {
        machine.answered(gathered.responses)
        guard gathered.closeAfterwards else {
            if gathered.bytes.readableBytes > 0 { context.writeAndFlush(wrapOutboundOut(gathered.bytes), promise: nil) }
            return
        }
        // Closing at once would drop whatever the socket has not taken yet: close once it has.
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(gathered.bytes)).whenComplete { _ in channel.close(promise: nil) }
    }

    /// A seat event for this connection: out at once, or behind the parked output.
    private func deliver(_ frame: ByteBuffer, context: ChannelHandlerContext) {
        guard !parked.isEmpty else {
            context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
            return
        }
        guard parkedEventBytes + frame.readableBytes <= parkedEventBytesMax else {
            // The journal is slow and this subscriber's events pile up behind it: it misses
            // them, as one that cannot read fast enough does, and sees the gap in the sequence.
            service.statistics.add(.eventsDropped)
            return
        }
        parkedEventBytes += frame.readableBytes
        var last = parked.removeLast()
        last.eventBytes += frame.readableBytes
        var frame = frame
        last.bytes.writeBuffer(&frame)
        parked.append(last)
    }
}

/// A seat event on its way to one subscriber, passed down the pipeline so that it takes its
/// place among the connection's responses.
struct EventFrame: Sendable {
    let frame: ByteBuffer
}

/// Sent down every connection's pipeline when the server starts shutting down.
struct DrainEvent: Sendable {}
