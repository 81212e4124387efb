import NIOCore
import SeatProtocol

/// The loopback ceiling: seatd's own request frames sent to `seat-load echo-server`, which
/// returns every byte unread. Each echoed frame stands for its request's success, so a run
/// measures what the wire, the kernel and this client cost with no server work at all.
struct EchoCodec: LoadCodec {
    /// Framing and request ids are seatd's, so the echo carries the same bytes.
    var frames: SeatdCodec

    static let choosesBestSeats = true

    func makeDecoder() -> any ChannelHandler { frames.makeDecoder() }

    func greet(into buffer: inout ByteBuffer) -> Int { frames.greet(into: &buffer) }

    func acceptGreetingAnswer(_ frame: Frame) throws(LoadFailure) {
        guard frame.header.requestID == SeatdCodec.helloRequestID else { throw LoadFailure("the echo of HELLO did not come back first") }
    }

    mutating func encode(_ request: LoadRequest, lane: Int, into buffer: inout ByteBuffer) {
        frames.encode(request, lane: lane, into: &buffer)
    }

    func decode(_ frame: Frame) throws(LoadFailure) -> (lane: Int, step: Workload.Step, outcome: LoadOutcome) {
        guard let step = Workload.Step(rawValue: frame.header.requestID & 7) else { throw LoadFailure("echo of an unknown request") }
        let lane = Int(frame.header.requestID >> 3)
        switch step {
        case .hold: return (lane, step, .held(id: UInt64(lane), seats: []))
        case .confirm: return (lane, step, .booked(id: UInt64(lane)))
        case .release, .cancel, .availability: return (lane, step, .done)
        }
    }
}
