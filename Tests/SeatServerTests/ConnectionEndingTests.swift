import NIOCore
import NIOPosix
import SeatClient
import SeatProtocol
import SeatTestSupport
import Testing

/// How connections end, over real sockets: a peer that closes its side after its last request,
/// a server draining while requests are still arriving. And what HELLO announces.
@Suite(.timeLimit(.minutes(2))) struct ConnectionEndingTests {
    /// A HOLD followed at once by a half-close is answered (after the journal has it), then the
    /// connection closes.
    @Test func aRequestFollowedByAHalfCloseIsAnsweredThenClosed() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try await TestServer.start(journal: JournalSetting(directory: directory.path))
        var requests = ByteBuffer()
        RawFrames.hello(apiKey: TestServer.agentKey, into: &requests)
        requests.writeFrame(FrameHeader(opcode: .hold, requestID: 2)) {
            Request.hold(HoldRequest(show: 0, holdMilliseconds: 60_000, seats: [seat("B3")])).encodePayload(into: &$0)
        }
        let answer = try await RawFrames.exchange(requests, finishSending: true, port: server.port, group: server.group)
        #expect(answer.frames.map(\.header.requestID) == [1, 2])
        #expect(answer.frames.last.map { $0.header.opcode == .hold && $0.header.flags == .response } == true, "\(answer.frames)")
        #expect(answer.closedByServer, "the server closes once it has answered a peer that sends nothing more")
        try await server.stop()
    }

    /// Requests that reach a draining server are refused with SHUTTING_DOWN, every one of them,
    /// before it closes: none is left without an answer.
    @Test func aDrainingServerRefusesEveryRequestStillArriving() async throws {
        // The quiet period is long so that a slow machine still sends the burst within it.
        let server = try await TestServer.start(drainQuietPeriod: .seconds(1))
        let channel = try await RawFrames.connect(port: server.port, group: server.group)
        let result = try await channel.executeThenClose { inbound, outbound in
            var hello = ByteBuffer()
            RawFrames.hello(apiKey: TestServer.agentKey, into: &hello)
            try await outbound.write(hello)
            var reader = RawFrames.Reader(inbound: inbound.makeAsyncIterator())
            _ = try await reader.next()
            let shutdown = Task { await server.server.shutdown() }
            // Pings until one is refused: the drain has reached this connection.
            var probe: UInt32 = 100
            while true {
                var ping = ByteBuffer()
                ping.writeFrame(FrameHeader(opcode: .ping, requestID: probe)) { Request.ping(token: 0).encodePayload(into: &$0) }
                try await outbound.write(ping)
                let answer = try #require(try await reader.next(), "the connection closed before refusing anything")
                if answer.header.flags.contains(.error) { break }
                probe += 1
                try #require(probe < 10_000, "the drain never reached the connection")
            }
            var burst = ByteBuffer()
            for id: UInt32 in 1_000..<1_100 {
                burst.writeFrame(FrameHeader(opcode: .ping, requestID: id)) { Request.ping(token: 0).encodePayload(into: &$0) }
            }
            try await outbound.write(burst)
            var refusals: [ErrorCode] = []
            while let frame = try await reader.next() {
                var payload = frame.payload
                refusals.append(try ErrorReply.decode(from: &payload).code)
            }
            await shutdown.value
            return refusals
        }
        #expect(result.count == 100, "every request of the burst is answered")
        #expect(result.allSatisfy { $0 == .shuttingDown }, "\(Set(result))")
        try await server.group.shutdownGracefully()
    }

    /// HELLO states the limits this server enforces, not the protocol's ceilings.
    @Test func helloAnnouncesTheLimitsTheServerEnforces() async throws {
        let server = try await TestServer.start(inFlightRequestsMax: 4)
        let connection = try await server.connection(key: TestServer.adminKey)
        #expect(connection.hello.inFlightRequestsMax == 4)
        let seatsPerHold = server.service.engine.configuration.seatsPerReservationMax
        #expect(Int(connection.hello.seatsPerOperationMax) == seatsPerHold)
        // The most it announces is a show's allowed limit; one more is refused by name.
        let layout = try await connection.send(.createShow(CreateShowRequest(
            layout: 0, seatsPerHoldMax: UInt16(seatsPerHold), holdLifetimeSeconds: 600, forbidsSingleSeatGaps: false)))
        guard case .showCreated = layout else {
            Issue.record("a show with the announced seats per hold was refused: \(layout)")
            return
        }
        let over = await refusal {
            try await connection.send(.createShow(CreateShowRequest(
                layout: 0, seatsPerHoldMax: UInt16(seatsPerHold + 1), holdLifetimeSeconds: 600, forbidsSingleSeatGaps: false)))
        }
        #expect(over?.code == .invalidShowRules)
        try await server.stop()
    }
}
