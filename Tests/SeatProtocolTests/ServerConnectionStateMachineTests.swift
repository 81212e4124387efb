import NIOCore
import SeatProtocol
import Testing

@Suite(.timeLimit(.minutes(1))) struct ServerConnectionStateMachineTests {
    static let keyring = APIKeyring(["admin-key": .admin, "agent-key": .agent, "reader-key": .reader])

    static func frame(_ request: Request, id: UInt32, flags: FrameFlags = []) -> Frame {
        var payload = ByteBuffer()
        request.encodePayload(into: &payload)
        return Frame(
            header: FrameHeader(flags: flags, opcode: request.opcode, requestID: id, payloadLength: UInt32(payload.readableBytes)),
            payload: payload)
    }

    static func authenticated(as key: String, inFlightMax: Int = 256) -> ServerConnectionStateMachine {
        var machine = ServerConnectionStateMachine(keyring: keyring, inFlightRequestsMax: inFlightMax)
        _ = machine.frameReceived(frame(.hello(Hello(apiKey: key, clientName: "test")), id: 1))
        return machine
    }

    static func code(_ action: ServerConnectionStateMachine.Action) -> ErrorCode? {
        guard case .refuse(let error, _, _) = action else { return nil }
        return error.code
    }

    @Test(arguments: [("admin-key", Role.admin), ("agent-key", .agent), ("reader-key", .reader)])
    func helloWithAKnownKeyGivesItsRole(key: String, role: Role) {
        var machine = ServerConnectionStateMachine(keyring: Self.keyring)
        let action = machine.frameReceived(Self.frame(.hello(Hello(apiKey: key, clientName: "box office")), id: 9))
        #expect(action == .acceptHello(requestID: 9, version: 1, role: role))
        #expect(machine.state == .authenticated(role))
    }

    @Test func aClientOfferingNewerVersionsTooGetsVersionOne() {
        var machine = ServerConnectionStateMachine(keyring: Self.keyring)
        let hello = Hello(minimumVersion: 1, maximumVersion: 7, apiKey: "agent-key", clientName: "future")
        #expect(machine.frameReceived(Self.frame(.hello(hello), id: 1)) == .acceptHello(requestID: 1, version: 1, role: .agent))
    }

    @Test func rolesLimitWhatAConnectionMaySend() {
        var reader = Self.authenticated(as: "reader-key")
        #expect(Self.code(reader.frameReceived(Self.frame(.hold(HoldRequest(show: 0, holdMilliseconds: 1, seats: [1])), id: 2))) == .forbidden)
        #expect(reader.frameReceived(Self.frame(.availability(show: 0), id: 3)) == .execute(.availability(show: 0), requestID: 3))
        var agent = Self.authenticated(as: "agent-key")
        #expect(Self.code(agent.frameReceived(Self.frame(.cancelShow(0), id: 4))) == .forbidden)
        #expect(Self.code(agent.frameReceived(Self.frame(.snapshot, id: 6))) == .forbidden)
        #expect(agent.state == .authenticated(.agent), "a refused request leaves the connection open")
        var admin = Self.authenticated(as: "admin-key")
        #expect(admin.frameReceived(Self.frame(.cancelShow(0), id: 5)) == .execute(.cancelShow(0), requestID: 5))
        #expect(admin.frameReceived(Self.frame(.snapshot, id: 7)) == .execute(.snapshot, requestID: 7))
    }

    @Test func requestsBeyondTheInFlightLimitAreRefusedUntilResponsesAreWritten() {
        var machine = Self.authenticated(as: "agent-key", inFlightMax: 3)
        let actions = (1...5).map { machine.frameReceived(Self.frame(.ping(token: UInt64($0)), id: UInt32($0))) }
        #expect(actions.prefix(3).allSatisfy { Self.code($0) == nil })
        #expect(actions.suffix(2).allSatisfy { Self.code($0) == .tooManyInFlight })
        machine.answered(5)
        // One answer written of two requests outstanding: room for exactly two more.
        _ = machine.frameReceived(Self.frame(.ping(token: 6), id: 6))
        _ = machine.frameReceived(Self.frame(.ping(token: 7), id: 7))
        machine.answered(1)
        #expect(machine.inFlight == 1)
        #expect(machine.frameReceived(Self.frame(.ping(token: 8), id: 8)) == .execute(.ping(token: 8), requestID: 8))
        #expect(machine.frameReceived(Self.frame(.ping(token: 9), id: 9)) == .execute(.ping(token: 9), requestID: 9))
        #expect(Self.code(machine.frameReceived(Self.frame(.ping(token: 10), id: 10))) == .tooManyInFlight)
    }

    @Test func drainingAnswersWithShuttingDown() {
        var machine = Self.authenticated(as: "agent-key")
        machine.drain()
        #expect(Self.code(machine.frameReceived(Self.frame(.ping(token: 1), id: 2))) == .shuttingDown)
    }

    @Test func aStallIsCutOffButAQuietClientIsNot() {
        var unauthenticated = ServerConnectionStateMachine(keyring: Self.keyring)
        #expect(Self.code(unauthenticated.readTimedOut(hasPartialFrame: false)) == .timedOut)
        var quiet = Self.authenticated(as: "agent-key")
        #expect(quiet.readTimedOut(hasPartialFrame: false) == .ignore)
        var stalled = Self.authenticated(as: "agent-key")
        #expect(Self.code(stalled.readTimedOut(hasPartialFrame: true)) == .timedOut)
        #expect(stalled.state == .closing)
        #expect(stalled.frameReceived(Self.frame(.ping(token: 1), id: 2)) == .ignore)
    }

    /// An atomic batch takes holds only: a RESERVATION in one is refused by name, nothing runs,
    /// and the connection stays open. (A SNAPSHOT in a plain batch is a malformed vector.)
    @Test func anAtomicBatchRefusesAnOperationItMayNotCarry() {
        var machine = Self.authenticated(as: "agent-key")
        var payload = ByteBuffer()
        payload.writeMultipleIntegers(UInt8(1), UInt16(1), Opcode.reservation.rawValue, UInt32(8), UInt64(5))
        let frame = Frame(
            header: FrameHeader(opcode: .batch, requestID: 3, payloadLength: UInt32(payload.readableBytes)), payload: payload)
        guard case .refuse(let error, .batch, 3) = machine.frameReceived(frame) else {
            Issue.record("the batch was not refused")
            return
        }
        #expect(error.code == .malformedPayload)
        #expect(error.message.contains("operation 0: RESERVATION is not allowed in an atomic batch"), "\(error.message)")
        #expect(machine.state == .authenticated(.agent))
    }

    @Test func aKeyThatIsAPrefixOfAnotherDoesNotMatch() {
        #expect(Self.keyring.role(for: "agent") == nil)
        #expect(Self.keyring.role(for: "agent-key-2") == nil)
        #expect(Self.keyring.role(for: "agent-key") == .agent)
    }
}
