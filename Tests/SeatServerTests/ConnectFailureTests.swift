import SeatClient
import SeatServer
import SeatTestSupport
import Testing

/// What a client and a server say when the address is wrong: no server there, or the port taken.
@Suite(.timeLimit(.minutes(1))) struct ConnectFailureTests {
    @Test func connectingWhereNothingListensSaysNoServerIsThere() async throws {
        let port = try LoopbackPort.free()
        do {
            let connection = try await SeatConnection.connect(host: "127.0.0.1", port: port, apiKey: TestServer.agentKey)
            await connection.close()
            Issue.record("connected to a port nothing listens on")
        } catch {
            #expect(error == .noServer(host: "127.0.0.1", port: port))
            #expect(error.description == "no seatd at 127.0.0.1:\(port) — is it running?")
            #expect(error.isConnectFailure)
        }
    }

    @Test func aSecondServerOnATakenPortNamesThePort() async throws {
        let first = try await TestServer.start()
        do {
            let second = try await TestServer.start(port: first.port)
            try await second.stop()
            Issue.record("two servers listened on port \(first.port)")
        } catch let failure as ListenFailure {
            #expect(failure.isPortInUse && failure.port == first.port)
            #expect(failure.description == "cannot listen for the protocol on 127.0.0.1:\(first.port): the port is in use (by another seatd?)")
        }
        try await first.stop()
    }
}
