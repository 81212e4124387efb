import NIOCore
import SeatProtocol

/// What the fuzzer and the replay of its findings run: arbitrary bytes through everything the
/// server does with bytes before they reach the engine.
///
/// The first byte chooses whether a valid HELLO goes first (so the fuzzer reaches the
/// authenticated state quickly) and how the rest is cut into reads; the rest is fed to the
/// frame decoder and the connection state machine, and every frame's payload is also decoded
/// as every kind of response, event and error, as a client would. Any crash, trap or sanitizer
/// report is a finding; refusals are the expected outcome.
public enum ProtocolFuzzing {
    public static let apiKey = "fuzz-agent"

    /// Returns the codes of the refusals the state machine answered with, in order, so tests
    /// can check the harness reaches them.
    @discardableResult
    public static func exercise(_ data: UnsafeRawBufferPointer) -> [ErrorCode] {
        var refusals: [ErrorCode] = []
        guard let control = data.first else { return refusals }
        let body = UnsafeRawBufferPointer(rebasing: data.dropFirst())
        var machine = ServerConnectionStateMachine(keyring: APIKeyring([apiKey: .agent]), inFlightRequestsMax: 8)
        var decoder = FrameDecoder()
        var buffer = ByteBuffer()
        if control & 1 == 1 {
            buffer.writeFrame(FrameHeader(opcode: .hello, requestID: 1)) {
                Request.hello(Hello(apiKey: apiKey, clientName: "fuzz")).encodePayload(into: &$0)
            }
        }
        // Feed in reads of 1 to 16 bytes chosen by the control byte, or all at once.
        let readSize = control & 2 == 2 ? Int(control >> 4) + 1 : Int.max
        var offset = 0
        repeat {
            let end = min(body.count, offset &+ readSize)
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: body[offset..<end]))
            offset = end
            do {
                while let frame = try decoder.nextFrame(from: &buffer) {
                    decodeAsClient(frame)
                    if case .refuse(let error, _, _) = machine.frameReceived(frame) {
                        refusals.append(error.code)
                        if machine.state == .closing { return refusals }
                    }
                    if control & 4 == 4 { machine.answered(machine.inFlight) }
                }
            } catch {
                if case .refuse(let error, _, _) = machine.framingFailed(error) { refusals.append(error.code) }
                return refusals
            }
        } while offset < body.count
        if case .refuse(let error, _, _) = machine.readTimedOut(hasPartialFrame: buffer.readableBytes > 0) {
            refusals.append(error.code)
        }
        return refusals
    }

    private static let responseOpcodes: [Opcode] = [
        .hello, .ping, .stats, .hold, .confirm, .extend, .release, .reservation, .availability, .seatMap, .listShows,
        .layout, .defineLayout, .createShow, .subscribe,
    ]

    private static func decodeAsClient(_ frame: Frame) {
        for opcode in responseOpcodes {
            var payload = frame.payload
            _ = try? Response.decode(opcode: opcode, payload: &payload)
        }
        var batch = frame.payload
        _ = try? Response.decode(opcode: .batch, payload: &batch, batchOpcodes: [.hold, .confirm])
        var event = frame.payload
        _ = try? SeatEvent.decode(from: &event)
        var error = frame.payload
        _ = try? ErrorReply.decode(from: &error)
    }
}
