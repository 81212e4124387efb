import Foundation
import NIOCore
import NIOPosix
import SeatClient
import SeatInventory
import SeatProtocol
import SeatTestSupport
import Testing

@Suite(.timeLimit(.minutes(2))) struct ServerFlowTests {
    @Test func holdConfirmCancelThroughTheClient() async throws {
        try await withServer { server in
            let client = server.client()
            let held = try await client.hold([seat("C2"), seat("C1")], show: 0, for: .seconds(60))
            #expect(held.seats == [seat("C1"), seat("C2")])
            #expect(held.deadlineMilliseconds > UInt64(Date().timeIntervalSince1970 * 1000))
            let booking = try await client.confirm(held.hold)
            let reservation = try await client.reservation(booking)
            #expect(reservation.status == .booked && reservation.seats == held.seats)
            var availability = try await client.availability(show: 0)
            #expect(availability.counts.sold == 2)
            try await client.cancelBooking(booking)
            availability = try await client.availability(show: 0)
            #expect(availability.counts.sold == 0 && availability.counts.held == 0)

            #expect(await refusal { try await client.confirm(held.hold) }?.code == .holdBookingCancelled)
            // An id of the other kind is named as such, in the one textual form.
            let text = try #require(ReservationReference(rawValue: booking)).description
            let wrongKind = await refusal { try await client.confirm(booking) }
            #expect(wrongKind?.code == .unknownHold && wrongKind?.message == "\(text) is a booking, not a hold")
            #expect(await refusal { try await client.cancelBooking(held.hold) }?.message == "H\(text.dropFirst()) is a hold, not a booking")
        }
    }

    /// Frames cut anywhere by the network: HELLO and pipelined requests sent a byte at a time
    /// are each answered once, in order.
    @Test func framesArrivingAByteAtATimeAreAllAnswered() async throws {
        try await withServer { server in
            var bytes = ByteBuffer()
            RawFrames.hello(apiKey: TestServer.agentKey, into: &bytes)
            bytes.writeFrame(FrameHeader(opcode: .hold, requestID: 2)) {
                Request.hold(HoldRequest(show: 0, holdMilliseconds: 60_000, seats: [seat("D4"), seat("D5")])).encodePayload(into: &$0)
            }
            for id: UInt32 in 3...6 {
                bytes.writeFrame(FrameHeader(opcode: .ping, requestID: id)) { Request.ping(token: UInt64(id)).encodePayload(into: &$0) }
            }
            let channel = try await RawFrames.connect(port: server.port, group: server.group)
            let answers = try await channel.executeThenClose { inbound, outbound in
                for byte in bytes.readableBytesView { try await outbound.write(ByteBuffer(bytes: [byte])) }
                var reader = RawFrames.Reader(inbound: inbound.makeAsyncIterator())
                var answers: [Frame] = []
                while answers.count < 6, let frame = try await reader.next() { answers.append(frame) }
                return answers
            }
            #expect(answers.map(\.header.requestID) == [1, 2, 3, 4, 5, 6])
            #expect(answers.allSatisfy { $0.header.flags == .response }, "\(answers.map(\.header))")
            #expect(try server.service.engine.availability(of: .init(rawValue: 0)).counts.held == 2)
        }
    }

    @Test func refusalsCarryTheirCodeAndDetailsAndLeaveTheConnectionOpen() async throws {
        try await withServer { server in
            let client = server.client()
            let first = try await client.hold([seat("D1")], show: 0, for: .seconds(60))
            let again = await refusal { try await client.hold([seat("D1")], show: 0, for: .seconds(60)) }
            #expect(again?.code == .seatUnavailable)
            #expect(again?.detail == UInt64(seat("D1")))
            #expect(await refusal { try await client.hold([9999], show: 0, for: .seconds(60)) }?.code == .unknownSeat)
            #expect(await refusal { try await client.availability(show: 77) }?.code == .unknownShow)
            try await client.release(first.hold)
            #expect(try await client.ping(token: 42) == 42)
        }
    }

    /// The server words refusals with the show's layout and rules: what a person at a terminal reads.
    @Test func refusalsNameSeatsByLabelAndLimitsByNumber() async throws {
        try await withServer { server in
            let client = server.client()
            _ = try await client.hold([seat("D1")], show: 0, for: .seconds(60))
            #expect(await refusal { try await client.hold([seat("D1")], show: 0, for: .seconds(60)) }?.message == "D1 is held")
            let twelve = (1...12).map { seat("E\($0)") }
            #expect(
                await refusal { try await client.hold(twelve, show: 0, for: .seconds(60)) }?.message
                    == "12 seats is over this show's limit of 10")
            let vip = BestAvailableHoldRequest(show: 0, holdMilliseconds: 60_000, count: 2, category: "vip")
            #expect(
                await refusal { try await client.holdBestAvailable(vip) }?.message
                    == "unknown category \"vip\"; this show has standard, premium")
        }
    }

    @Test func rolesAreEnforcedAndAdminsDefineShows() async throws {
        try await withServer { server in
            let reader = server.client(key: TestServer.readerKey)
            let admin = server.client(key: TestServer.adminKey)
            #expect(await refusal { try await reader.hold([seat("E1")], show: 0, for: .seconds(60)) }?.code == .forbidden)
            // This server keeps no data directory.
            #expect(await refusal { try await admin.snapshot() }?.code == .storageUnavailable)
            let json = try await admin.layout(0)
            let (layout, seatCount) = try await admin.defineLayout(json: json)
            #expect(layout == 1 && seatCount == 300)
            let show = try await admin.createShow(
                CreateShowRequest(layout: layout, seatsPerHoldMax: 4, holdLifetimeSeconds: 60, forbidsSingleSeatGaps: true))
            #expect(try await reader.shows().map(\.show) == [0, show])
            let empty = Array(#"{"id":"x","name":"x","categories":[],"sections":[]}"#.utf8)
            #expect(await refusal { try await admin.defineLayout(json: empty) }?.code == .invalidLayout)
        }
    }

    @Test func aWrongKeyIsRefusedAndClosed() async throws {
        try await withServer { server in
            let client = server.client(key: "not-a-key")
            #expect(await refusal { try await client.ping() }?.code == .authenticationFailed)
        }
    }

    @Test func sixtyFourPipelinedHoldsOnOneConnection() async throws {
        try await withServer { server in
            let connection = try await server.connection()
            let seats = (0..<64).map { UInt32($0) }  // rows A to C: none blocked
            let replies = try await withThrowingTaskGroup(of: HoldReply.self) { group in
                for seat in seats {
                    group.addTask { try await connection.hold([seat], show: 0, for: .seconds(60)) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(replies.flatMap(\.seats).sorted() == seats)
            #expect(Set(replies.map(\.hold)).count == 64)
        }
    }

    @Test func anAtomicBatchAcrossShowsHoldsAllOrNothing() async throws {
        try await withServer { server in
            let admin = server.client(key: TestServer.adminKey)
            let second = try await admin.createShow(
                CreateShowRequest(layout: 0, seatsPerHoldMax: 10, holdLifetimeSeconds: 600, forbidsSingleSeatGaps: false))
            _ = try await admin.hold([seat("G1")], show: second, for: .seconds(60))
            let refused = try await admin.batch(
                [
                    .hold(HoldRequest(show: 0, holdMilliseconds: 60_000, seats: [seat("G1")])),
                    .hold(HoldRequest(show: second, holdMilliseconds: 60_000, seats: [seat("G1")])),
                ], atomic: true)
            guard case .failure(let aborted) = refused[0], case .failure(let cause) = refused[1] else {
                Issue.record("an atomic batch with a refused hold succeeded in part: \(refused)")
                return
            }
            #expect(aborted.code == .batchAborted && cause.code == .seatUnavailable)
            #expect(try await admin.availability(show: 0).counts.held == 0, "the first hold was rolled back")
        }
    }
}

@Suite(.timeLimit(.minutes(2))) struct ClientReconnectTests {
    static func isTheOldConnectionGone(_ error: SeatClientError) -> Bool {
        switch error {
        case .connectionClosed: true
        case .protocolViolation(let reason): reason.contains("reset")
        default: false
        }
    }

    /// A server on `port` again. Seen once under a full parallel run: the bind refused with the
    /// port in use right after the first server closed its listener, so it is retried for up to
    /// 10 s, and a last failure says which sockets hold the port.
    static func startAgain(on port: Int) async throws -> TestServer {
        for _ in 0..<100 {
            if let server = try? await TestServer.start(port: port) { return server }
            try await Task.sleep(for: .milliseconds(100))
        }
        let holders = ((try? String(contentsOfFile: "/proc/net/tcp", encoding: .utf8)) ?? "")
            .split(separator: "\n").filter { $0.contains(String(format: ":%04X ", port)) }
        Issue.record("port \(port) still in use after 10 s; /proc/net/tcp rows (st 0A = listening): \(holders)")
        return try await TestServer.start(port: port)
    }

    /// The pool's connection dies with its server; the next call reconnects, with backoff,
    /// to a new server on the same port.
    @Test func aPoolReconnectsAfterTheServerComesBack() async throws {
        // Below the ephemeral range: the client's reconnect attempts to a port in that range,
        // with nobody listening, could pick that very port as their own end (a TCP
        // self-connect) and hold it, and so could any other test's outgoing connection.
        let port = try LoopbackPort.free()
        let first = try await TestServer.start(port: port)
        var configuration = SeatClient.Configuration(host: "127.0.0.1", port: port, apiKey: TestServer.agentKey)
        configuration.backoffInitial = .milliseconds(20)
        configuration.connectAttemptsMax = 50
        let client = SeatClient(configuration: configuration)
        #expect(try await client.ping(token: 1) == 1)
        try await first.stop()
        let restarted = try await Self.startAgain(on: port)
        // A call may still meet the old connection if the pool has not yet seen it close (its
        // event loop busy elsewhere): that call fails as closed, and the next one reconnects.
        var answer: UInt64?
        for attempt in 1...3 where answer == nil {
            do {
                answer = try await client.ping(token: 2)
            } catch {
                guard attempt < 3, Self.isTheOldConnectionGone(error) else { throw error }
            }
        }
        #expect(answer == 2)
        await client.close()
        try await restarted.stop()
    }
}
