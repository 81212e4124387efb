import NIOCore
import SeatProtocol
import Testing

@testable import SeatServer

/// The connection's ordering, parking and closing rules, driven without sockets: the journal's
/// position and reports, snapshot answers, seat events and quiet periods are fed in by hand.
@Suite(.timeLimit(.minutes(1))) struct ConnectionStateMachineTests {
    typealias Machine = ConnectionStateMachine

    /// What the peer would read from the bytes the machine let out.
    enum Seen: Equatable {
        case answer(UInt32)
        case refusal(UInt32, ErrorCode)
        case event(UInt64)
    }

    static func machine(inFlightMax: Int = 256, queuedEventBytesMax: Int = 1 << 20, subscriptionsMax: Int = 8) -> Machine {
        var machine = Machine(
            admission: ServerConnectionStateMachine(
                keyring: APIKeyring(["agent": .agent, "admin": .admin]), inFlightRequestsMax: inFlightMax),
            limits: .init(queuedEventBytesMax: queuedEventBytesMax, subscriptionsMax: subscriptionsMax))
        guard case .acceptHello(let id, let version, let role) = machine.frameReceived(frame(.hello(Hello(apiKey: "admin", clientName: "t")), id: 1))
        else {
            Issue.record("HELLO was not accepted")
            return machine
        }
        machine.respondToHello(HelloReply(version: version, role: role, serverTimeMilliseconds: 0), requestID: id)
        _ = machine.flush(journalAppendedThrough: 0)
        return machine
    }

    static func frame(_ request: Request, id: UInt32) -> Frame {
        var payload = ByteBuffer()
        request.encodePayload(into: &payload)
        return Frame(
            header: FrameHeader(opcode: request.opcode, requestID: id, payloadLength: UInt32(payload.readableBytes)),
            payload: payload)
    }

    static let hold = Request.hold(HoldRequest(show: 0, holdMilliseconds: 1_000, seats: [1]))

    /// Receives `request` and answers it as the handler would (`changes`: it claims a change).
    static func receive(_ request: Request, id: UInt32, changes: Bool = false, into machine: inout Machine) {
        switch machine.frameReceived(frame(request, id: id)) {
        case .execute(let request, let requestID):
            machine.respond(.success(.done), to: request, requestID: requestID, awaitsJournal: changes)
        case let other:
            Issue.record("request \(id) was not executed: \(other)")
        }
    }

    static func event(_ sequence: UInt64) -> ByteBuffer {
        var bytes = ByteBuffer()
        bytes.writeFrame(FrameHeader(flags: .event, opcode: .event, requestID: 0)) {
            SeatEvent(show: 0, sequence: sequence, kind: .held, hold: 1, seats: [1]).encodePayload(into: &$0)
        }
        return bytes
    }

    static func seen(_ output: Machine.Output) -> [Seen] {
        guard var bytes = output.bytes else { return [] }
        var decoder = FrameDecoder(firstFramePayloadBytesMax: nil)
        var seen: [Seen] = []
        while let frame = try? decoder.nextFrame(from: &bytes) {
            var payload = frame.payload
            if frame.header.flags.contains(.event) {
                seen.append(.event((try? SeatEvent.decode(from: &payload))?.sequence ?? 0))
            } else if frame.header.flags.contains(.error) {
                seen.append(.refusal(frame.header.requestID, (try? ErrorReply.decode(from: &payload))?.code ?? .internalError))
            } else {
                seen.append(.answer(frame.header.requestID))
            }
        }
        #expect(bytes.readableBytes == 0, "the output ends inside a frame")
        return seen
    }

    @Test func answersWithoutChangesLeaveWhenTheReadIsDone() {
        var machine = Self.machine()
        Self.receive(.ping(token: 1), id: 2, into: &machine)
        Self.receive(.availability(show: 0), id: 3, into: &machine)
        let output = machine.flush(journalAppendedThrough: 40)
        #expect(Self.seen(output) == [.answer(2), .answer(3)])
        #expect(output.awaitJournalThrough == nil && !output.close)
        #expect(machine.admission.inFlight == 0)
    }

    @Test func anAnswerToAChangeWaitsForTheJournalAndWhatFollowsWaitsBehindIt() {
        var machine = Self.machine()
        Self.receive(Self.hold, id: 2, changes: true, into: &machine)
        let first = machine.flush(journalAppendedThrough: 7)
        #expect(first.bytes == nil && first.awaitJournalThrough == 7)
        Self.receive(.ping(token: 1), id: 3, into: &machine)
        let second = machine.flush(journalAppendedThrough: 9)
        #expect(second.bytes == nil, "a read-only answer overtook a change's answer")
        #expect(second.awaitJournalThrough == nil, "the journal is asked once about LSN 7; the ping needs nothing newer")
        Self.receive(Self.hold, id: 4, changes: true, into: &machine)
        #expect(machine.flush(journalAppendedThrough: 12).awaitJournalThrough == 12)
        #expect(machine.admission.inFlight == 3, "parked answers still count in flight")

        let upTo7 = machine.journalReported(durableThrough: 7)
        #expect(Self.seen(upTo7) == [.answer(2), .answer(3)])
        #expect(upTo7.awaitJournalThrough == nil)
        #expect(Self.seen(machine.journalReported(durableThrough: 12)) == [.answer(4)])
        #expect(machine.admission.inFlight == 0)
    }

    @Test func parkedAnswersCountAgainstTheInFlightLimit() {
        var machine = Self.machine(inFlightMax: 2)
        Self.receive(Self.hold, id: 2, changes: true, into: &machine)
        Self.receive(Self.hold, id: 3, changes: true, into: &machine)
        _ = machine.flush(journalAppendedThrough: 5)
        guard case .refused(let refusal, closing: false) = machine.frameReceived(Self.frame(.ping(token: 0), id: 4)) else {
            Issue.record("a third request was admitted beyond the limit of 2")
            return
        }
        #expect(refusal.code == .tooManyInFlight)
        #expect(machine.flush(journalAppendedThrough: 5).bytes == nil, "the refusal waits behind the parked answers")
        #expect(Self.seen(machine.journalReported(durableThrough: 5)) == [.answer(2), .answer(3), .refusal(4, .tooManyInFlight)])
        Self.receive(.ping(token: 0), id: 5, into: &machine)
        #expect(Self.seen(machine.flush(journalAppendedThrough: 5)) == [.answer(5)])
    }

    @Test func eventsGoOutAtOnceOrJoinTheOutputTheyArriveBehind() {
        var machine = Self.machine()
        #expect(machine.eventArrived(Self.event(1)) == .writeNow)
        Self.receive(Self.hold, id: 2, changes: true, into: &machine)
        _ = machine.flush(journalAppendedThrough: 3)
        #expect(machine.eventArrived(Self.event(2)) == .queued)
        #expect(machine.eventArrived(Self.event(3)) == .queued)
        #expect(Self.seen(machine.journalReported(durableThrough: 3)) == [.answer(2), .event(2), .event(3)])
        #expect(machine.eventArrived(Self.event(4)) == .writeNow)
    }

    @Test func queuedEventsAreBoundedAndTheBoundIsGivenBackWhenTheyLeave() {
        let eventSize = Self.event(1).readableBytes
        var machine = Self.machine(queuedEventBytesMax: 2 * eventSize)
        Self.receive(Self.hold, id: 2, changes: true, into: &machine)
        _ = machine.flush(journalAppendedThrough: 3)
        #expect(machine.eventArrived(Self.event(1)) == .queued)
        #expect(machine.eventArrived(Self.event(2)) == .queued)
        #expect(machine.eventArrived(Self.event(3)) == .dropped)
        #expect(Self.seen(machine.journalReported(durableThrough: 3)) == [.answer(2), .event(1), .event(2)])
        Self.receive(Self.hold, id: 3, changes: true, into: &machine)
        _ = machine.flush(journalAppendedThrough: 4)
        #expect(machine.eventArrived(Self.event(4)) == .queued)
        #expect(machine.eventArrived(Self.event(5)) == .queued, "the first two events' bytes were given back")
    }

    @Test func aSnapshotHoldsItsPlaceAndWhatFollowsWaitsForIt() {
        var machine = Self.machine()
        Self.receive(.ping(token: 0), id: 2, into: &machine)
        guard case .takeSnapshot(let snapshotID) = machine.frameReceived(Self.frame(.snapshot, id: 3)) else {
            Issue.record("SNAPSHOT was not handed to the handler")
            return
        }
        let before = machine.holdPlaceForSnapshot(requestID: snapshotID, journalAppendedThrough: 0)
        #expect(Self.seen(before) == [.answer(2)], "what came before the snapshot leaves at once")
        Self.receive(.ping(token: 0), id: 4, into: &machine)
        Self.receive(Self.hold, id: 5, changes: true, into: &machine)
        let after = machine.flush(journalAppendedThrough: 6)
        #expect(after.bytes == nil && after.awaitJournalThrough == 6)
        #expect(machine.eventArrived(Self.event(9)) == .queued)
        #expect(machine.journalReported(durableThrough: 6).bytes == nil, "the journal cannot release what waits for the snapshot")
        let answered = machine.snapshotFinished(.failure(ErrorReply(.storageUnavailable, message: "no disk")))
        #expect(Self.seen(answered) == [.refusal(3, .storageUnavailable), .answer(4), .answer(5), .event(9)])
        #expect(machine.admission.inFlight == 0)
    }

    @Test func twoSnapshotsAreAnsweredInTheOrderAskedFor() {
        var machine = Self.machine()
        for id: UInt32 in [2, 3] {
            _ = machine.frameReceived(Self.frame(.snapshot, id: id))
            _ = machine.holdPlaceForSnapshot(requestID: id, journalAppendedThrough: 0)
        }
        #expect(Self.seen(machine.snapshotFinished(.success(.done))) == [.answer(2)])
        #expect(Self.seen(machine.snapshotFinished(.success(.done))) == [.answer(3)])
        #expect(machine.snapshotFinished(.success(.done)) == .nothing, "no third placeholder")
    }

    @Test func aClosingRefusalLeavesAfterWhatCameBeforeItThenCloses() throws {
        var machine = Self.machine()
        Self.receive(Self.hold, id: 2, changes: true, into: &machine)
        _ = machine.flush(journalAppendedThrough: 3)
        guard case .refused(let error, closing: true) = machine.framingFailed(.badMagic(0x4745)) else {
            Issue.record("a framing error did not end the connection")
            return
        }
        #expect(error.code == .malformedFrame)
        #expect(machine.flush(journalAppendedThrough: 3).bytes == nil)
        #expect(machine.frameReceived(Self.frame(.ping(token: 0), id: 9)) == .ignore)
        #expect(machine.eventArrived(Self.event(1)) == .discarded)
        let last = machine.journalReported(durableThrough: 3)
        #expect(Self.seen(last) == [.answer(2), .refusal(0, .malformedFrame)])
        #expect(last.close)
    }

    @Test func aFailedJournalClosesWithoutTheAnswersThatWaitedForIt() {
        var machine = Self.machine()
        Self.receive(.ping(token: 0), id: 2, into: &machine)
        Self.receive(Self.hold, id: 3, changes: true, into: &machine)
        _ = machine.flush(journalAppendedThrough: 8)
        #expect(machine.eventArrived(Self.event(1)) == .queued)
        #expect(machine.journalFailed() == Machine.Output(close: true))
        #expect(machine.journalReported(durableThrough: 8) == .nothing, "a late report lets nothing out")
        #expect(machine.frameReceived(Self.frame(.ping(token: 0), id: 4)) == .ignore)
    }

    @Test func aPeerThatStoppedSendingIsClosedOnceEverythingIsAnswered() {
        var machine = Self.machine()
        Self.receive(Self.hold, id: 2, changes: true, into: &machine)
        _ = machine.flush(journalAppendedThrough: 4)
        #expect(machine.peerFinishedSending() == .nothing, "the hold is not answered yet")
        let last = machine.journalReported(durableThrough: 4)
        #expect(Self.seen(last) == [.answer(2)])
        #expect(last.close, "answered, and the peer sends nothing more")

        var idle = Self.machine()
        #expect(idle.peerFinishedSending() == Machine.Output(close: true))
    }

    @Test func drainingAnswersWhatArrivedRefusesTheRestAndClosesWhenQuiet() {
        var machine = Self.machine()
        Self.receive(Self.hold, id: 2, changes: true, into: &machine)
        _ = machine.flush(journalAppendedThrough: 5)
        #expect(machine.drain() == .nothing)
        guard case .refused(let refusal, closing: false) = machine.frameReceived(Self.frame(.ping(token: 0), id: 3)) else {
            Issue.record("a request after the drain began was not refused")
            return
        }
        #expect(refusal.code == .shuttingDown)
        #expect(machine.flush(journalAppendedThrough: 5).bytes == nil, "the refusal waits behind the parked hold")
        #expect(machine.quietPeriodPassed() == .nothing, "a frame arrived during the period, and the hold waits")
        #expect(machine.quietPeriodPassed() == .nothing, "quiet, but the hold is still unanswered")
        #expect(Self.seen(machine.journalReported(durableThrough: 5)) == [.answer(2), .refusal(3, .shuttingDown)])
        #expect(machine.quietPeriodPassed() == Machine.Output(close: true))
    }

    @Test func drainingBeforeHelloClosesAtOnce() {
        var machine = Machine(admission: ServerConnectionStateMachine(keyring: APIKeyring(["agent": .agent])))
        #expect(machine.drain() == Machine.Output(close: true))
    }

    @Test func subscriptionsAreCountedOncePerShowAndLimited() {
        var machine = Self.machine(subscriptionsMax: 2)
        for (id, show): (UInt32, UInt32) in [(2, 10), (3, 11)] {
            guard case .subscribe(show, id) = machine.frameReceived(Self.frame(.subscribe(show: show), id: id)) else {
                Issue.record("subscription \(show) refused")
                return
            }
            machine.subscribed(to: show, nextSequence: 1, requestID: id)
        }
        #expect(machine.frameReceived(Self.frame(.subscribe(show: 10), id: 4)) == .subscribe(show: 10, requestID: 4))
        guard case .refused(let refusal, closing: false) = machine.frameReceived(Self.frame(.subscribe(show: 12), id: 5)) else {
            Issue.record("a third show was subscribed past the limit of 2")
            return
        }
        #expect(refusal.code == .subscriptionLimit && refusal.detail == 2)
        #expect(machine.frameReceived(Self.frame(.unsubscribe(show: 11), id: 6)) == .unsubscribe(show: 11, requestID: 6))
        #expect(machine.subscriptions == [10])
        #expect(machine.frameReceived(Self.frame(.subscribe(show: 12), id: 7)) == .subscribe(show: 12, requestID: 7))
    }
}
