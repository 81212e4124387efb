import Foundation
import NIOCore
import NIOPosix
import SeatClient
import SeatProtocol
import SeatTestSupport
import Testing

/// `Protocol/vectors/*.json` sent to a real seatd, byte for byte: every request is understood
/// and answered with its own request id and opcode, every malformed frame gets its documented
/// error with the documented request id and closes the connection exactly when the vector says,
/// and the errors and the event of the vectors are provoked and compared.
@Suite(.serialized, .timeLimit(.minutes(3))) struct ProtocolConformanceTests {
    /// The keys the vectors present: HELLO's own, and the agent the malformed frames follow.
    static let arguments = ["--sample-shows", "--api-key", "admin:box-office-key", "--api-key", "agent:agent1"]

    static func withSeatd<Result>(_ body: (SeatdProcess) async throws -> Result) async throws -> Result {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let seatd = try await SeatdProcess(dataDirectory: directory.path + "/data", arguments: arguments)
        do {
            let result = try await body(seatd)
            _ = try await seatd.stop()
            return result
        } catch {
            _ = try? await seatd.kill()
            throw error
        }
    }

    /// Refusals a request vector may get from the sample state instead of success, and why:
    /// the vectors name ids this server never made, or ask for seats the samples do not have.
    static let acceptedRefusals: [String: Set<ErrorCode>] = [
        "best available, premium, accessible": [.noBlockAvailable],  // the samples' wheelchair spaces are standard
        "confirm": [.unknownHold, .holdSuperseded],
        "release": [.unknownHold, .holdSuperseded],
        "extend": [.unknownHold, .holdSuperseded],
        "cancel booking": [.unknownBooking, .bookingSuperseded],
        "reservation": [.unknownBooking, .bookingSuperseded],
    ]

    @Test func everyRequestVectorIsUnderstoodAndAnsweredInKind() async throws {
        let requests = try ProtocolVector.load("requests.json")
        let responses = try ProtocolVector.load("responses.json")
        try await Self.withSeatd { seatd in
            // Keys 1 to 3 exist, so the vectors' key 4 is the one "create API key" makes.
            let admin = try await seatd.connect()
            for name in ["one", "two", "three"] { _ = try await admin.createAPIKey(role: .reader, name: name) }
            await admin.close()

            let channel = try await RawFrames.connect(port: seatd.port, group: MultiThreadedEventLoopGroup.singleton)
            let compared = try await channel.executeThenClose { inbound, outbound in
                var reader = RawFrames.Reader(inbound: inbound.makeAsyncIterator())
                var compared = 0
                for vector in requests {
                    let sent = try vector.frame()
                    try await outbound.write(vector.wire)
                    var answer: Frame
                    repeat {
                        answer = try #require(try await reader.next(), "\(vector.name): the connection closed")
                    } while answer.header.flags.contains(.event)
                    #expect(answer.header.requestID == sent.header.requestID, "\(vector.name)")
                    #expect(answer.header.opcode == sent.header.opcode, "\(vector.name)")
                    var payload = answer.payload
                    if answer.header.flags.contains(.error) {
                        let refusal = try ErrorReply.decode(from: &payload)
                        #expect(
                            Self.acceptedRefusals[vector.name]?.contains(refusal.code) == true,
                            "\(vector.name) was refused: \(refusal.code) \(refusal.message)")
                        continue
                    }
                    #expect(answer.header.flags == .response, "\(vector.name)")
                    let batchOpcodes = Self.batchOpcodes(of: sent)
                    let response = try Response.decode(opcode: answer.header.opcode, payload: &payload, batchOpcodes: batchOpcodes)
                    // The answer is of the kind the vectors show for this request.
                    if let example = try responses.first(where: {
                        let frame = try $0.frame()
                        return frame.header.requestID == sent.header.requestID && frame.header.opcode == sent.header.opcode
                    }) {
                        var examplePayload = try example.frame().payload
                        let exampleBatchOpcodes = (example.fields["batchOpcodes"] as? [Int] ?? []).map { Opcode(rawValue: UInt16($0)) }
                        let expected = try Response.decode(
                            opcode: sent.header.opcode, payload: &examplePayload, batchOpcodes: exampleBatchOpcodes)
                        #expect(Self.kind(response) == Self.kind(expected), "\(vector.name): \(response)")
                        compared += 1
                    }
                }
                return compared
            }
            // Those the samples can answer with success, and the vectors show an answer for.
            #expect(compared == 18)
        }
    }

    @Test func everyMalformedFrameGetsItsErrorFromALiveServer() async throws {
        let malformed = try ProtocolVector.load("malformed.json")
        try await Self.withSeatd { seatd in
            for vector in malformed {
                let expected = try #require(vector.fields["error"] as? String)
                let closes = try #require(vector.fields["closes"] as? Bool)
                let requestID = try #require(vector.fields["requestId"] as? Int)
                var bytes = ByteBuffer()
                if vector.fields["afterHello"] as? Bool == true { RawFrames.hello(apiKey: "agent1", into: &bytes) }
                bytes.writeImmutableBuffer(vector.wire)
                if !closes {
                    // A PING behind it must still be answered: the connection stays open.
                    bytes.writeFrame(FrameHeader(opcode: .ping, requestID: 77)) { Request.ping(token: 5).encodePayload(into: &$0) }
                }
                let answer = try await RawFrames.exchange(bytes, port: seatd.port, group: MultiThreadedEventLoopGroup.singleton) {
                    $0.header.requestID == 77
                }
                let refusals = answer.frames.filter { $0.header.flags.contains(.error) }
                #expect(refusals.count == 1, "\(vector.name): \(answer.frames.map(\.header))")
                var payload = try #require(refusals.first, "\(vector.name): no refusal").payload
                #expect(try ErrorReply.decode(from: &payload).code.description == expected, "\(vector.name)")
                #expect(refusals.first?.header.requestID == UInt32(requestID), "\(vector.name)")
                #expect(answer.closedByServer == closes, "\(vector.name)")
                if !closes {
                    #expect(answer.frames.last?.header.requestID == 77, "\(vector.name): the PING after it was not answered")
                }
            }
        }
    }

    /// The error vectors a live server can be made to give, compared field by field where the
    /// values do not depend on the moment (hold ids and messages do).
    @Test func theErrorVectorsAreWhatTheServerSays() async throws {
        let errors = Dictionary(uniqueKeysWithValues: try ProtocolVector.load("errors.json").map { ($0.name, $0) })
        try await Self.withSeatd { seatd in
            let admin = try await seatd.connect()
            func example(_ name: String) throws -> ErrorReply {
                var payload = try #require(errors[name]).frame().payload
                return try ErrorReply.decode(from: &payload)
            }
            func refusal(_ body: () async throws -> Void) async -> ErrorReply? {
                do {
                    try await body()
                    return nil
                } catch {
                    guard case .refused(let reply) = error as? SeatClientError else { return nil }
                    return reply
                }
            }

            // The stadium's show: no single-seat-gap rule stands between the two holds.
            _ = try await admin.hold([17], show: 10, for: .seconds(60))
            let unavailable = await refusal { _ = try await admin.hold([17], show: 10, for: .seconds(60)) }
            let seatExample = try example("seat unavailable")
            #expect(unavailable.map { [$0.code.rawValue, UInt16($0.detail), UInt16($0.secondDetail)] }
                == [seatExample.code.rawValue, UInt16(seatExample.detail), UInt16(seatExample.secondDetail)])

            let brief = try await admin.hold([30], show: 5, for: .milliseconds(1))
            try await Task.sleep(for: .milliseconds(20))
            let expired = await refusal { _ = try await admin.confirm(brief.hold) }
            #expect(expired?.code == (try example("hold expired")).code && expired?.detail == brief.hold)

            let unknownKey = await refusal { try await admin.revokeAPIKey(9) }
            let keyExample = try example("unknown API key")
            #expect(unknownKey?.code == keyExample.code && unknownKey?.detail == keyExample.detail)

            // 300 PINGs in one write, never read until all are sent: past 256 the server refuses.
            var burst = ByteBuffer()
            RawFrames.hello(apiKey: "agent1", into: &burst)
            for id in 2...301 {
                burst.writeFrame(FrameHeader(opcode: .ping, requestID: UInt32(id))) { Request.ping(token: 0).encodePayload(into: &$0) }
            }
            let answer = try await RawFrames.exchange(burst, port: seatd.port, group: MultiThreadedEventLoopGroup.singleton, within: .seconds(3))
            let inFlightExample = try example("too many in flight")
            let firstRefusal = answer.firstError
            #expect(answer.frames.count == 301, "every PING is answered")
            #expect(firstRefusal?.code == inFlightExample.code && firstRefusal?.detail == inFlightExample.detail)
            await admin.close()
        }
    }

    @Test func theEventVectorIsWhatASubscriberReceives() async throws {
        let event = try #require(try ProtocolVector.load("events.json").first)
        var examplePayload = try event.frame().payload
        let expected = try SeatEvent.decode(from: &examplePayload)
        try await Self.withSeatd { seatd in
            let subscriber = try await seatd.connect()
            let next = try await subscriber.subscribe(show: 6)
            let holder = try await seatd.connect()
            let hold = try await holder.hold(expected.seats, show: 6, for: .seconds(60))
            var received: SeatEvent?
            for await event in subscriber.events {
                received = event
                break
            }
            #expect(received == SeatEvent(show: 6, sequence: next, kind: expected.kind, hold: hold.hold, seats: expected.seats))
            await subscriber.close()
            await holder.close()
        }
    }


    /// The opcodes of a BATCH request's operations, which its reply needs to be read.
    static func batchOpcodes(of frame: Frame) -> [Opcode] {
        var payload = frame.payload
        guard frame.header.opcode == .batch, case .batch(let batch)? = try? Request.decode(opcode: .batch, payload: &payload)
        else { return [] }
        return batch.operations.map(\.opcode)
    }

    /// A response's case name: `held`, `booked`, ...
    static func kind(_ response: Response) -> String {
        String("\(response)".prefix { $0 != "(" })
    }
}
