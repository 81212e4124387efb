import NIOCore
import SeatProtocol

/// Everything one connection decides apart from running requests: what it admits (by
/// ``ServerConnectionStateMachine``: the handshake, roles, the in-flight limit), its
/// subscriptions, and when and in what order its answers and seat events leave, and when it closes.
///
/// Pure: ``ConnectionHandler`` feeds it frames, answers, journal reports, seat events and timer
/// ticks, and performs the ``Output`` it returns, so every ordering rule is tested without sockets.
///
/// The rules:
/// - Answers gathered during one read leave together when the read is done.
/// - An answer to a change leaves only once the journal reports durable everything appended
///   when the read was done. Output behind it waits too, so the peer sees everything in order.
/// - A SNAPSHOT holds a place for its answer; what the connection sends after it waits behind
///   that place until the snapshot is written.
/// - Seat events join the output they arrive behind. Waiting events take at most
///   ``Limits/queuedEventBytesMax`` bytes; past it they are dropped, as for a subscriber that
///   cannot keep up, and the subscriber sees the gap in the sequence.
/// - An error that ends the connection leaves after everything before it; then the connection closes.
/// - Once the peer has closed its side, the connection closes when everything received is answered.
/// - While the server drains, the connection answers what it received, refuses anything newer
///   with `SHUTTING_DOWN`, and closes once everything is answered and a quiet period passed
///   with nothing new from the peer.
/// - If the journal fails, answers waiting for it can never be given: the connection closes
///   without them, and the client must treat those requests as unknown.
struct ConnectionStateMachine {
    struct Limits {
        var queuedEventBytesMax = 1 << 20
        var subscriptionsMax = ProtocolLimits.subscriptionsPerConnectionMax
    }

    /// What to do about a frame.
    enum Action: Equatable {
        /// Answer with ``respondToHello(_:requestID:)`` (the handler knows the server's clock and limits).
        case acceptHello(requestID: UInt32, version: UInt8, role: Role)
        /// Run the request and give its answer to ``respond(_:to:requestID:awaitsJournal:)``.
        case execute(Request, requestID: UInt32)
        /// Subscribe to the show, which the handler checks exists: ``subscribed(to:nextSequence:requestID:)``.
        case subscribe(show: UInt32, requestID: UInt32)
        /// Stop delivering the show's events (already no longer counted), then answer.
        case unsubscribe(show: UInt32, requestID: UInt32)
        /// Take a snapshot: hold its answer's place with ``holdPlaceForSnapshot(requestID:journalAppendedThrough:)``,
        /// then give the answer to ``snapshotFinished(_:)``.
        case takeSnapshot(requestID: UInt32)
        /// Refused, and the refusal is already in the output (for the logs and the counters).
        /// When `closing`, the connection closes once the refusal is written.
        case refused(ErrorReply, closing: Bool)
        /// Nothing to do: a frame on a connection that is closing.
        case ignore
    }

    /// Bytes to write now, what to close, what to wait for.
    struct Output: Equatable {
        /// Write and flush these bytes.
        var bytes: ByteBuffer?
        /// Close the connection, after `bytes` are written when there are any.
        var close = false
        /// Ask the journal to report once it is durable through this LSN
        /// (``journalReported(durableThrough:)`` or ``journalFailed()``).
        var awaitJournalThrough: UInt64?

        static let nothing = Output()
    }

    enum EventDelivery: Equatable {
        /// Nothing waits: write the event now.
        case writeNow
        /// It waits behind output that must go first.
        case queued
        /// Too many event bytes wait already: the subscriber misses it.
        case dropped
        /// The connection is closing: nobody will read it.
        case discarded
    }

    private enum Phase: Equatable {
        case open
        /// Output up to and including the closing one still leaves; nothing new does.
        case closing
        case closed
    }

    /// Output gathered during the current read.
    private struct Gathered {
        var bytes: ByteBuffer
        var responses = 0
        var eventBytes = 0
        var awaitsJournal = false
        var closesAfterwards = false

        var isEmpty: Bool { responses == 0 && bytes.readableBytes == 0 && !closesAfterwards }
    }

    /// Output that may not leave yet.
    private struct Parked {
        /// Leaves once the journal is durable through this LSN (0: waits for nothing of its own).
        var lsn: UInt64
        var bytes: ByteBuffer
        var responses: Int
        var eventBytes: Int
        var closesAfterwards: Bool
        /// Holds the place of this snapshot request's answer, not yet given.
        var snapshotRequestID: UInt32?
    }

    private(set) var admission: ServerConnectionStateMachine
    private let limits: Limits
    private(set) var subscriptions: Set<UInt32> = []
    private var phase = Phase.open
    private var gathered = Gathered(bytes: ByteBuffer())
    /// A buffer the handler has written and handed back: the next read's output goes into it.
    private var spare: ByteBuffer?
    private var parked = CircularBuffer<Parked>()
    /// Event bytes waiting in `gathered` and `parked`.
    private var queuedEventBytes = 0
    private var journalDurableThrough: UInt64 = 0
    /// The newest LSN the handler was asked to wait for; every parked LSN is asked for once.
    private var journalAwaitedThrough: UInt64 = 0
    private var peerHasFinished = false
    private var draining = false
    /// The bytes the last read's output took (within bounds): what the next one reserves.
    private var gatheredBytesExpected = 256
    /// Frames received since the last quiet-period tick, while draining.
    private var framesSinceQuietTick = 0

    init(admission: ServerConnectionStateMachine, limits: Limits = Limits()) {
        self.admission = admission
        self.limits = limits
    }

    /// Whether the handler should stop listening: the connection is closed or closes with its last write.
    var isClosingOrClosed: Bool { phase != .open }

    // MARK: Frames in

    mutating func frameReceived(_ frame: Frame) -> Action {
        guard phase == .open else { return .ignore }
        framesSinceQuietTick += 1
        switch admission.frameReceived(frame) {
        case .acceptHello(let requestID, let version, let role):
            return .acceptHello(requestID: requestID, version: version, role: role)
        case .execute(.subscribe(let show), let requestID):
            guard subscriptions.contains(show) || subscriptions.count < limits.subscriptionsMax else {
                let limit = limits.subscriptionsMax
                return refuse(
                    ErrorReply(.subscriptionLimit, detail: UInt64(limit), message: "at most \(limit) subscriptions per connection"),
                    opcode: .subscribe, requestID: requestID)
            }
            return .subscribe(show: show, requestID: requestID)
        case .execute(.unsubscribe(let show), let requestID):
            subscriptions.remove(show)
            return .unsubscribe(show: show, requestID: requestID)
        case .execute(.snapshot, let requestID):
            return .takeSnapshot(requestID: requestID)
        case .execute(let request, let requestID):
            return .execute(request, requestID: requestID)
        case .refuse(let error, let opcode, let requestID):
            return refuse(error, opcode: opcode, requestID: requestID)
        case .ignore:
            return .ignore
        }
    }

    /// The decoder could not cut the stream into frames: the refusal ends the connection.
    mutating func framingFailed(_ error: FrameError) -> Action {
        guard phase == .open else { return .ignore }
        return refused(admission.framingFailed(error))
    }

    /// The read timeout passed with nothing received.
    mutating func readTimedOut(hasPartialFrame: Bool) -> Action {
        guard phase == .open else { return .ignore }
        return refused(admission.readTimedOut(hasPartialFrame: hasPartialFrame))
    }

    private mutating func refused(_ action: ServerConnectionStateMachine.Action) -> Action {
        guard case .refuse(let error, let opcode, let requestID) = action else { return .ignore }
        return refuse(error, opcode: opcode, requestID: requestID)
    }

    private mutating func refuse(_ error: ErrorReply, opcode: Opcode, requestID: UInt32) -> Action {
        gather(.failure(error), opcode: opcode, requestID: requestID)
        let closing = admission.state == .closing
        if closing {
            gathered.closesAfterwards = true
            phase = .closing
        }
        return .refused(error, closing: closing)
    }

    // MARK: Answers in

    /// The HELLO reply, which the handler completes with the server's clock and limits.
    mutating func respondToHello(_ reply: HelloReply, requestID: UInt32) {
        gather(.success(.hello(reply)), opcode: .hello, requestID: requestID)
    }

    /// The answer to a request the handler ran. `awaitsJournal`: it claims a change, so it
    /// waits until the journal has made that change durable.
    mutating func respond(_ answer: Result<Response, ErrorReply>, to request: Request, requestID: UInt32, awaitsJournal: Bool) {
        gather(answer, opcode: request.opcode, requestID: requestID)
        if awaitsJournal { gathered.awaitsJournal = true }
    }

    /// The handler subscribed the connection to `show`.
    mutating func subscribed(to show: UInt32, nextSequence: UInt64, requestID: UInt32) {
        subscriptions.insert(show)
        gather(.success(.subscribed(show: show, nextSequence: nextSequence)), opcode: .subscribe, requestID: requestID)
    }

    private mutating func gather(_ answer: Result<Response, ErrorReply>, opcode: Opcode, requestID: UInt32) {
        // Room for as much as the last read's answers took, so the buffer is not grown (and
        // copied) answer by answer.
        if gathered.bytes.capacity == 0 { gathered.bytes.reserveCapacity(gatheredBytesExpected) }
        gathered.responses += 1
        Self.write(answer, opcode: opcode, requestID: requestID, into: &gathered.bytes)
    }

    /// One answer's frame: a response, or an error with the error flag.
    static func write(_ answer: Result<Response, ErrorReply>, opcode: Opcode, requestID: UInt32, into buffer: inout ByteBuffer) {
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

    // MARK: Output out

    /// The read is done (or a refusal must go out): what was gathered leaves, or waits behind the
    /// journal or earlier output. `journalAppendedThrough`: the journal's newest LSN now, which
    /// gathered answers to changes wait for.
    mutating func flush(journalAppendedThrough: UInt64) -> Output {
        park(journalAppendedThrough: journalAppendedThrough)
        return takeReady()
    }

    /// The journal is durable through `lsn`.
    mutating func journalReported(durableThrough lsn: UInt64) -> Output {
        journalDurableThrough = max(journalDurableThrough, lsn)
        return takeReady()
    }

    /// The journal failed: changes answered in memory may never reach the disk, so no answer
    /// may claim them. Closes at once, dropping whatever waits.
    mutating func journalFailed() -> Output {
        guard phase != .closed else { return .nothing }
        connectionClosed()
        return Output(close: true)
    }

    /// The snapshot asked for earliest has its answer.
    mutating func snapshotFinished(_ answer: Result<Response, ErrorReply>) -> Output {
        guard let index = parked.firstIndex(where: { $0.snapshotRequestID != nil }),
            let requestID = parked[index].snapshotRequestID
        else { return .nothing }  // closed meanwhile
        var bytes = ByteBuffer()
        Self.write(answer, opcode: .snapshot, requestID: requestID, into: &bytes)
        // Output that arrived meanwhile joined the placeholder: it follows the answer.
        bytes.writeBuffer(&parked[index].bytes)
        parked[index].bytes = bytes
        parked[index].snapshotRequestID = nil
        return takeReady()
    }

    /// Holds the place of a snapshot's answer: what came before goes first, what comes after waits.
    mutating func holdPlaceForSnapshot(requestID: UInt32, journalAppendedThrough: UInt64) -> Output {
        park(journalAppendedThrough: journalAppendedThrough)
        parked.append(
            Parked(
                lsn: parked.last?.lsn ?? 0, bytes: ByteBuffer(), responses: 1, eventBytes: 0, closesAfterwards: false,
                snapshotRequestID: requestID))
        return takeReady()
    }

    /// Moves the gathered output behind whatever waits, waiting for `journalAppendedThrough`
    /// itself when it answers a change.
    private mutating func park(journalAppendedThrough: UInt64) {
        guard !gathered.isEmpty else { return }
        let needs = gathered.awaitsJournal ? journalAppendedThrough : 0
        let output = gathered
        gathered = Gathered(bytes: takeSpare())
        gatheredBytesExpected = min(max(output.bytes.readableBytes, 256), 64 << 10)
        if let last = parked.indices.last, parked[last].lsn >= needs {
            // Leaves no earlier than the output before it anyway: one buffer, one write.
            var bytes = output.bytes
            parked[last].bytes.writeBuffer(&bytes)
            parked[last].responses += output.responses
            parked[last].eventBytes += output.eventBytes
            parked[last].closesAfterwards = parked[last].closesAfterwards || output.closesAfterwards
            return
        }
        parked.append(
            Parked(
                lsn: max(needs, parked.last?.lsn ?? 0), bytes: output.bytes, responses: output.responses,
                eventBytes: output.eventBytes, closesAfterwards: output.closesAfterwards, snapshotRequestID: nil))
    }

    /// The parked output that may leave now, oldest first, and the journal report the newest waits for.
    private mutating func takeReady() -> Output {
        var output = Output()
        if let newest = parked.last, newest.lsn > max(journalDurableThrough, journalAwaitedThrough) {
            output.awaitJournalThrough = newest.lsn
            journalAwaitedThrough = newest.lsn
        }
        var answered = 0
        while let first = parked.first, first.snapshotRequestID == nil, first.lsn <= journalDurableThrough, phase != .closed {
            var ready = parked.removeFirst()
            answered += ready.responses
            queuedEventBytes -= ready.eventBytes
            if output.bytes == nil {
                output.bytes = ready.bytes
            } else {
                output.bytes!.writeBuffer(&ready.bytes)
            }
            if ready.closesAfterwards {
                phase = .closed
                output.close = true
                parked.removeAll()
            }
        }
        admission.answered(answered)
        if output.bytes?.readableBytes == 0 { output.bytes = nil }
        if phase == .open, peerHasFinished, isIdle {
            phase = .closed
            output.close = true
        }
        return output
    }

    /// Hands back a buffer once written, for the output of a later read: in steady state a
    /// connection's answers take no allocation.
    mutating func recycle(_ written: ByteBuffer) {
        guard phase == .open else { return }
        spare = written
    }

    private mutating func takeSpare() -> ByteBuffer {
        // Emptied only now, when the channel has most likely let go of it: emptying a buffer
        // still shared would copy it.
        guard var buffer = spare.take() else { return ByteBuffer() }
        buffer.clear()
        return buffer
    }

    /// Nothing received is unanswered, and nothing waits to leave.
    private var isIdle: Bool { parked.isEmpty && gathered.isEmpty && admission.inFlight == 0 }

    // MARK: Events in

    /// A seat event for this connection: out now, or behind the output that must go first.
    mutating func eventArrived(_ event: ByteBuffer) -> EventDelivery {
        guard phase == .open else { return .discarded }
        guard !(parked.isEmpty && gathered.isEmpty) else { return .writeNow }
        var event = event
        let size = event.readableBytes
        guard queuedEventBytes + size <= limits.queuedEventBytesMax else { return .dropped }
        queuedEventBytes += size
        if !gathered.isEmpty || parked.isEmpty {
            gathered.bytes.writeBuffer(&event)
            gathered.eventBytes += size
        } else {
            parked[parked.index(before: parked.endIndex)].bytes.writeBuffer(&event)
            parked[parked.index(before: parked.endIndex)].eventBytes += size
        }
        return .queued
    }

    // MARK: Ending

    /// The connection is gone: nothing more leaves, and nothing is waited for.
    mutating func connectionClosed() {
        phase = .closed
        parked.removeAll()
        gathered = Gathered(bytes: ByteBuffer())
        spare = nil
        queuedEventBytes = 0
    }

    /// The peer closed its sending side: once everything it sent is answered, the connection closes.
    mutating func peerFinishedSending() -> Output {
        peerHasFinished = true
        guard phase == .open, isIdle else { return .nothing }
        phase = .closed
        return Output(close: true)
    }

    /// The server is shutting down. The handler then ticks ``quietPeriodPassed()`` until the
    /// connection closes.
    mutating func drain() -> Output {
        admission.drain()
        draining = true
        framesSinceQuietTick = 0
        // Not yet authenticated: nothing to finish.
        guard phase == .open, admission.state == .closing else { return .nothing }
        phase = .closed
        return Output(close: true)
    }

    /// A quiet period passed while draining: closes when everything is answered and nothing
    /// arrived during it (a peer still sending gets its refusals first).
    mutating func quietPeriodPassed() -> Output {
        defer { framesSinceQuietTick = 0 }
        guard draining, phase == .open, framesSinceQuietTick == 0, isIdle else { return .nothing }
        phase = .closed
        return Output(close: true)
    }
}
