import Logging
import NIOCore
import SeatJournal
import SeatProtocol

/// One client connection: cuts what it reads into frames, feeds them, answers, journal reports,
/// seat events and timer ticks to its ``ConnectionStateMachine``, and performs what it returns.
/// Every rule of ordering, parking and closing is the machine's.
///
/// Frames are cut straight from the buffer each read brings, and their payloads decoded in
/// place: no copy and no pipeline step per frame. Only the start of a frame a read leaves
/// unfinished is kept, until the next read completes it. `BackPressureHandler`, ahead of this
/// handler, stops reading while the peer is not taking its responses, so the output gathered per
/// read stays bounded.
final class ConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var machine: ConnectionStateMachine
    private let service: SeatService
    private let feeds: ShowFeeds
    private var decoder = FrameDecoder()
    /// The start of a frame the last read left unfinished.
    private var unfinished: ByteBuffer?
    /// The HELLO reply's limits, which the server enforces; version, role and clock are filled in.
    private let helloTemplate: HelloReply
    /// While draining, how long the peer must stay silent, with everything answered, before the close.
    private let drainQuietPeriod: TimeAmount
    private var logger: Logger
    /// Requests and refusals since the last flush, not yet in the server's counters.
    /// Requests and refusals since the last read, by kind and code, for STATS and the metrics.
    private var tally = RequestTally()

    init(
        machine: ConnectionStateMachine,
        service: SeatService,
        feeds: ShowFeeds,
        helloTemplate: HelloReply,
        drainQuietPeriod: TimeAmount,
        logger: Logger
    ) {
        self.machine = machine
        self.service = service
        self.feeds = feeds
        self.helloTemplate = helloTemplate
        self.drainQuietPeriod = drainQuietPeriod
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
        for show in machine.subscriptions { feeds.unsubscribe(context.channel, from: show) }
        machine.connectionClosed()
        countRequests()
        service.statistics.add(.connectionsOpen, -1)
        logger.debug("connection closed")
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if var start = unfinished.take() {
            start.writeBuffer(&bytes)
            bytes = start
        }
        do {
            while !machine.isClosingOrClosed, let frame = try decoder.nextFrame(from: &bytes) {
                run(machine.frameReceived(frame), context: context)
            }
        } catch {
            run(machine.framingFailed(error), context: context)
            flush(context: context)
            return
        }
        if bytes.readableBytes > 0, !machine.isClosingOrClosed { unfinished = bytes }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flush(context: context)
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        logger.debug("connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case let event as EventFrame:
            deliver(event.frame, context: context)
        case ChannelEvent.inputClosed:
            perform(machine.peerFinishedSending(), context: context)
        case let idle as IdleStateHandler.IdleStateEvent where idle == .read:
            run(machine.readTimedOut(hasPartialFrame: unfinished != nil), context: context)
            flush(context: context)
        case is DrainEvent:
            perform(machine.drain(), context: context)
            scheduleQuietCheck(context: context)
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    private func run(_ action: ConnectionStateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .acceptHello(let requestID, let version, let role):
            logger[metadataKey: "role"] = "\(role)"
            logger.debug("authenticated")
            var reply = helloTemplate
            reply.version = version
            reply.role = role
            reply.serverTimeMilliseconds = service.clock.nowUnixMilliseconds
            machine.respondToHello(reply, requestID: requestID)
            tally.answered(.hello, refusal: nil)
        case .execute(let request, let requestID):
            let started = tally.shouldTime(request.opcode) ? ContinuousClock.now : nil
            let result = service.execute(request)
            let executionTime = started.map { ContinuousClock.now - $0 }
            tally.answered(request.opcode, refusal: result.failure?.code, executionTime: executionTime)
            // A change refused because the journal takes no more changes claims nothing and
            // changed nothing; once the journal has failed it never becomes durable again, so
            // waiting for it would close the connection instead of answering.
            let awaitsJournal = request.changesState && !Self.isStorageRefusal(result)
            machine.respond(result, to: request, requestID: requestID, awaitsJournal: awaitsJournal)
        case .subscribe(let show, let requestID):
            guard (try? service.engine.layout(of: .init(rawValue: show))) != nil else {
                tally.answered(.subscribe, refusal: .unknownShow)
                let unknown = ErrorReply(.unknownShow, detail: UInt64(show), message: "unknown show \(show)")
                machine.respond(.failure(unknown), to: .subscribe(show: show), requestID: requestID, awaitsJournal: false)
                return
            }
            let next = feeds.subscribe(context.channel, to: show)
            machine.subscribed(to: show, nextSequence: next, requestID: requestID)
            tally.answered(.subscribe, refusal: nil)
        case .unsubscribe(let show, let requestID):
            feeds.unsubscribe(context.channel, from: show)
            machine.respond(.success(.done), to: .unsubscribe(show: show), requestID: requestID, awaitsJournal: false)
            tally.answered(.unsubscribe, refusal: nil)
        case .takeSnapshot(let requestID):
            takeSnapshot(requestID: requestID, context: context)
        case .refused(let error, let closing):
            tally.answered(nil, refusal: error.code)
            if closing { logger.notice("closing connection", metadata: ["code": "\(error.code)", "error": "\(error.message)"]) }
        case .ignore:
            break
        }
    }

    private func takeSnapshot(requestID: UInt32, context: ChannelHandlerContext) {
        perform(machine.holdPlaceForSnapshot(requestID: requestID, journalAppendedThrough: journalLSN()), context: context)
        let eventLoop = context.eventLoop
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: eventLoop)
        service.takeSnapshot { result in
            eventLoop.execute { bound.value.handler.snapshotTaken(result, context: bound.value.context) }
        }
    }

    private func snapshotTaken(_ result: Result<Response, ErrorReply>, context: ChannelHandlerContext) {
        switch result {
        case .success(.snapshotTaken(let snapshot)):
            logger.info(
                "snapshot taken on request",
                metadata: [
                    "file": "\(snapshot.file)", "startLSN": "\(snapshot.startLSN)", "endLSN": "\(snapshot.endLSN)",
                    "bytes": "\(snapshot.compressedBytes)",
                ])
        case .success:
            break
        case .failure(let error):
            logger.error("snapshot on request failed", metadata: ["code": "\(error.code)", "error": "\(error.message)"])
        }
        tally.answered(.snapshot, refusal: result.failure?.code)
        countRequests()
        perform(machine.snapshotFinished(result), context: context)
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

    private func flush(context: ChannelHandlerContext) {
        countRequests()
        perform(machine.flush(journalAppendedThrough: journalLSN()), context: context)
    }

    /// Adds this connection's requests and refusals to the server's counters: once per read, not
    /// per request, since every event loop adds to the same atomics.
    private func countRequests() {
        if !tally.isEmpty {
            service.statistics.add(tally)
            tally.flushed()
        }
    }

    /// The journal's newest LSN, which answers to changes made so far wait for; 0 when nothing is waited for.
    private func journalLSN() -> UInt64 {
        guard let writer = service.journal?.writer, writer.durability != .none else { return 0 }
        return writer.appendedThrough
    }

    private func perform(_ output: ConnectionStateMachine.Output, context: ChannelHandlerContext) {
        if let lsn = output.awaitJournalThrough, let writer = service.journal?.writer {
            let eventLoop = context.eventLoop
            let bound = NIOLoopBound((handler: self, context: context), eventLoop: eventLoop)
            writer.whenDurable(through: lsn) { result in
                eventLoop.execute { bound.value.handler.journalReported(result, through: lsn, context: bound.value.context) }
            }
        }
        switch (output.bytes, output.close) {
        case (let bytes?, false):
            context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
            machine.recycle(bytes)
        case (let bytes?, true):
            // Closing at once would drop whatever the socket has not taken yet: close once it has.
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(bytes)).whenComplete { _ in channel.close(promise: nil) }
        case (nil, true):
            context.close(promise: nil)
        case (nil, false):
            break
        }
    }

    private func journalReported(_ result: Result<Void, JournalError>, through lsn: UInt64, context: ChannelHandlerContext) {
        switch result {
        case .success:
            perform(machine.journalReported(durableThrough: lsn), context: context)
        case .failure(let error):
            logger.error("journal failed; closing the connection unanswered", metadata: ["error": "\(error)"])
            perform(machine.journalFailed(), context: context)
        }
    }

    /// A seat event for this connection: out at once, or behind the output that must go first.
    private func deliver(_ frame: ByteBuffer, context: ChannelHandlerContext) {
        switch machine.eventArrived(frame) {
        case .writeNow: context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
        case .dropped: service.statistics.add(.eventsDropped)
        case .queued, .discarded: break
        }
    }

    private func scheduleQuietCheck(context: ChannelHandlerContext) {
        guard !machine.isClosingOrClosed else { return }
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: drainQuietPeriod) {
            let (handler, context) = bound.value
            handler.perform(handler.machine.quietPeriodPassed(), context: context)
            handler.scheduleQuietCheck(context: context)
        }
    }
}

/// A seat event on its way to one subscriber, passed down the pipeline so that it takes its
/// place among the connection's responses.
struct EventFrame: Sendable {
    let frame: ByteBuffer
}

/// Sent down every connection's pipeline when the server starts shutting down.
struct DrainEvent: Sendable {}

extension Result {
    fileprivate var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
