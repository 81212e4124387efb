import Foundation
import NIOCore
import NIOTestUtils
import SeatProtocol
import SeatTestSupport
import Testing

/// The files in `Protocol/vectors/`: every message in both directions and the malformed frames.
@Suite(.timeLimit(.minutes(1))) struct ProtocolVectorTests {
    static func load(_ file: String) throws -> [ProtocolVector] { try ProtocolVector.load(file) }

    /// Cuts exactly one frame out of `wire`.
    static func onlyFrame(_ wire: ByteBuffer) throws -> Frame {
        var buffer = wire
        var decoder = FrameDecoder(firstFramePayloadBytesMax: nil)
        let frame = try #require(try decoder.nextFrame(from: &buffer))
        #expect(buffer.readableBytes == 0)
        return frame
    }

    static func same(_ lhs: Any, _ rhs: Any?) -> Bool {
        guard let rhs else { return false }
        return NSDictionary(dictionary: ["v": lhs]).isEqual(to: ["v": rhs])
    }

    @Test func theHeaderIsSixteenBytes() {
        var buffer = ByteBuffer()
        buffer.writeFrame(FrameHeader(opcode: .ping, requestID: 2), payload: ByteBuffer())
        #expect(FrameHeader.size == 16)
        #expect(buffer.readableBytes == FrameHeader.size)
        #expect(buffer.hex == "53540100000200000000000200000000")
    }

    @Test func everyRequestDecodesAndEncodesBackToItsBytes() throws {
        let vectors = try Self.load("requests.json")
        #expect(vectors.count == VectorCatalog.requests.count)
        for vector in vectors {
            let frame = try Self.onlyFrame(vector.wire)
            var payload = frame.payload
            let request = try #require(try Request.decode(opcode: frame.header.opcode, payload: &payload), "\(vector.name)")
            #expect(Self.same(headerJSON(frame.header), vector.fields["header"]), "\(vector.name)")
            #expect(Self.same(jsonValue(request), vector.fields["decoded"]), "\(vector.name)")
            var encoded = ByteBuffer()
            encoded.writeFrame(frame.header) { request.encodePayload(into: &$0) }
            #expect(encoded == vector.wire, "\(vector.name)")
        }
    }

    @Test func everyResponseDecodesAndEncodesBackToItsBytes() throws {
        let vectors = try Self.load("responses.json")
        #expect(vectors.count == VectorCatalog.responses.count)
        for vector in vectors {
            let frame = try Self.onlyFrame(vector.wire)
            #expect(frame.header.flags == .response)
            let batchOpcodes = (vector.fields["batchOpcodes"] as? [Int] ?? []).map { Opcode(rawValue: UInt16($0)) }
            var payload = frame.payload
            let response = try Response.decode(opcode: frame.header.opcode, payload: &payload, batchOpcodes: batchOpcodes)
            #expect(Self.same(headerJSON(frame.header), vector.fields["header"]), "\(vector.name)")
            #expect(Self.same(jsonValue(response), vector.fields["decoded"]), "\(vector.name)")
            var encoded = ByteBuffer()
            encoded.writeFrame(frame.header) { response.encodePayload(into: &$0) }
            #expect(encoded == vector.wire, "\(vector.name)")
        }
    }

    /// A batch reply's vector answers the batch request of the same id: its operations are those.
    @Test func batchRepliesAnswerTheirRequests() throws {
        let requests = try Self.load("requests.json").map { try Self.onlyFrame($0.wire) }
        for vector in try Self.load("responses.json") where vector.fields["batchOpcodes"] != nil {
            let reply = try Self.onlyFrame(vector.wire)
            let request = try #require(requests.first { $0.header.requestID == reply.header.requestID && $0.header.opcode == .batch })
            var payload = request.payload
            guard case .batch(let batch)? = try Request.decode(opcode: .batch, payload: &payload) else {
                Issue.record("\(vector.name): request \(reply.header.requestID) is not a batch")
                continue
            }
            #expect(batch.operations.map { Int($0.opcode.rawValue) } == vector.fields["batchOpcodes"] as? [Int], "\(vector.name)")
        }
    }

    @Test func eventsAndErrorsDecodeAndEncodeBackToTheirBytes() throws {
        for vector in try Self.load("events.json") + Self.load("errors.json") {
            let frame = try Self.onlyFrame(vector.wire)
            var payload = frame.payload
            var encoded = ByteBuffer()
            if frame.header.flags.contains(.event) {
                let event = try SeatEvent.decode(from: &payload)
                #expect(frame.header.opcode == .event && frame.header.requestID == 0)
                #expect(Self.same(jsonValue(event), vector.fields["decoded"]), "\(vector.name)")
                encoded.writeFrame(frame.header) { event.encodePayload(into: &$0) }
            } else {
                #expect(frame.header.flags == [.response, .error], "\(vector.name)")
                let error = try ErrorReply.decode(from: &payload)
                #expect(Self.same(jsonValue(error), vector.fields["decoded"]), "\(vector.name)")
                encoded.writeFrame(frame.header) { error.encode(into: &$0) }
            }
            #expect(encoded == vector.wire, "\(vector.name)")
        }
    }

    /// Each malformed frame, fed through the decoder and the state machine exactly as the
    /// server does, gets its documented error, carrying the documented request id, and the
    /// connection closes when the vector says so.
    @Test func everyMalformedFrameGetsItsError() throws {
        let vectors = try Self.load("malformed.json")
        #expect(vectors.count == VectorCatalog.malformed.count)
        for vector in vectors {
            let expected = try #require(vector.fields["error"] as? String)
            let closes = try #require(vector.fields["closes"] as? Bool)
            let requestID = try #require(vector.fields["requestId"] as? Int)
            var machine = ServerConnectionStateMachine(keyring: APIKeyring([VectorCatalog.agentKey: .agent]))
            var decoder = FrameDecoder()
            var wire = ByteBuffer()
            if vector.fields["afterHello"] as? Bool == true {
                wire.writeFrame(FrameHeader(opcode: .hello, requestID: 1)) {
                    Request.hello(Hello(apiKey: VectorCatalog.agentKey, clientName: "vectors")).encodePayload(into: &$0)
                }
            }
            wire.writeImmutableBuffer(vector.wire)
            var refusal: (error: ErrorReply, requestID: UInt32)?
            do {
                while let frame = try decoder.nextFrame(from: &wire) {
                    switch machine.frameReceived(frame) {
                    case .refuse(let error, _, let id): refusal = (error, id)
                    case .acceptHello, .execute, .ignore: continue
                    }
                }
            } catch {
                if case .refuse(let error, _, let id) = machine.framingFailed(error) { refusal = (error, id) }
            }
            #expect(refusal?.error.code.description == expected, "\(vector.name)")
            #expect(refusal?.requestID == UInt32(requestID), "\(vector.name)")
            #expect((machine.state == .closing) == closes, "\(vector.name)")
        }
    }

    /// Every request vector, cut by ``FrameDecoder`` however the bytes arrive: one at a time,
    /// all at once, frame by frame.
    @Test func theDecoderPassesTheVerifier() throws {
        let frames = try Self.load("requests.json") + Self.load("responses.json") + Self.load("events.json")
        let pairs = try frames.map { ($0.wire, [try Self.onlyFrame($0.wire)]) }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) {
            FrameDecoder(firstFramePayloadBytesMax: nil)
        }
    }

    /// Writes the vector files from ``VectorCatalog``; run with `SEAT_WRITE_VECTORS=1` after a
    /// deliberate protocol change, then review the difference.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["SEAT_WRITE_VECTORS"] == "1"))
    func writeVectors() throws {
        func frame(_ header: FrameHeader, _ write: (inout ByteBuffer) -> Void) -> (FrameHeader, String) {
            var buffer = ByteBuffer()
            buffer.writeFrame(header, writePayload: write)
            var written = header
            written.payloadLength = UInt32(buffer.readableBytes - FrameHeader.size)
            return (written, buffer.hex)
        }
        func save(_ name: String, _ entries: [[String: Any]]) throws {
            let data = try JSONSerialization.data(withJSONObject: entries, options: [.prettyPrinted, .sortedKeys])
            try data.write(to: ProtocolVector.directory.appendingPathComponent(name))
        }
        try save("requests.json", VectorCatalog.requests.map { name, id, request in
            let (header, hex) = frame(FrameHeader(opcode: request.opcode, requestID: id)) { request.encodePayload(into: &$0) }
            return ["name": name, "wire": hex, "header": headerJSON(header), "decoded": jsonValue(request)]
        })
        try save("responses.json", VectorCatalog.responses.map { name, id, opcode, batchOpcodes, response in
            let (header, hex) = frame(FrameHeader(flags: .response, opcode: opcode, requestID: id)) {
                response.encodePayload(into: &$0)
            }
            var entry: [String: Any] = ["name": name, "wire": hex, "header": headerJSON(header), "decoded": jsonValue(response)]
            if !batchOpcodes.isEmpty { entry["batchOpcodes"] = batchOpcodes.map { Int($0.rawValue) } }
            return entry
        })
        let event = VectorCatalog.event
        let (eventHeader, eventHex) = frame(FrameHeader(flags: .event, opcode: .event, requestID: 0)) {
            event.encodePayload(into: &$0)
        }
        try save("events.json", [["name": "seats held", "wire": eventHex, "header": headerJSON(eventHeader), "decoded": jsonValue(event)]])
        try save("errors.json", VectorCatalog.errors.map { name, id, opcode, error in
            let (header, hex) = frame(FrameHeader(flags: [.response, .error], opcode: opcode, requestID: id)) {
                error.encode(into: &$0)
            }
            return ["name": name, "wire": hex, "header": headerJSON(header), "decoded": jsonValue(error)]
        })
        try save("malformed.json", VectorCatalog.malformed.map { name, hex, afterHello, error, closes, requestID in
            [
                "name": name, "wire": hex, "afterHello": afterHello, "error": error.description, "closes": closes,
                "requestId": Int(requestID),
            ]
        })
    }
}
