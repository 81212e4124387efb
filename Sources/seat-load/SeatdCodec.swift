import ArgumentParser
import NIOCore
import SeatProtocol

/// seatd's binary protocol. A request's id is its lane × 8 + its step, so answers may come in
/// any order.
struct SeatdCodec: LoadCodec {
    /// The greeting's request id, never a lane's.
    static let helloRequestID = UInt32.max

    /// How a lane reads a show.
    enum Reads: String, ExpressibleByArgument {
        case availability
        /// SEAT_MAP with the version the lane last got for that show, as a polling page does.
        case seatMap = "seat-map"
    }

    let apiKey: String
    let holdMilliseconds: UInt32
    let reads: Reads
    /// The last SEAT_MAP version each lane got for each show, keyed by lane << 32 | show.
    private var seatMapVersions: [Int: UInt64] = [:]

    init(apiKey: String, holdMilliseconds: UInt32, reads: Reads = .availability) {
        self.apiKey = apiKey
        self.holdMilliseconds = holdMilliseconds
        self.reads = reads
    }

    static let choosesBestSeats = true

    func makeDecoder() -> any ChannelHandler {
        ByteToMessageHandler(FrameDecoder(firstFramePayloadBytesMax: nil))
    }

    func greet(into buffer: inout ByteBuffer) -> Int {
        write(.hello(Hello(apiKey: apiKey, clientName: "seat-load")), requestID: Self.helloRequestID, into: &buffer)
        return 1
    }

    func acceptGreetingAnswer(_ frame: Frame) throws(LoadFailure) {
        guard frame.header.requestID == Self.helloRequestID, !frame.header.flags.contains(.error) else {
            throw LoadFailure("HELLO refused")
        }
    }

    mutating func encode(_ request: LoadRequest, lane: Int, into buffer: inout ByteBuffer) {
        let message: Request =
            switch request {
            case .hold(let show, let seats): .hold(HoldRequest(show: show, holdMilliseconds: holdMilliseconds, seats: seats))
            case .holdBestAvailable(let show, let count):
                .holdBestAvailable(BestAvailableHoldRequest(show: show, holdMilliseconds: holdMilliseconds, count: count))
            case .confirm(let hold): .confirm(ReservationCommand(id: hold.id))
            case .release(let hold): .release(ReservationCommand(id: hold.id))
            case .cancel(let booking): .cancelBooking(ReservationCommand(id: booking.id))
            case .availability(let show):
                switch reads {
                case .availability: .availability(show: show)
                case .seatMap: .seatMap(show: show, knownVersion: seatMapVersions[lane << 32 | Int(show)] ?? 0)
                }
            }
        write(message, requestID: UInt32(lane << 3) | request.step.rawValue, into: &buffer)
    }

    mutating func decode(_ frame: Frame) throws(LoadFailure) -> (lane: Int, step: Workload.Step, outcome: LoadOutcome) {
        let header = frame.header
        guard let step = Workload.Step(rawValue: header.requestID & 7) else { throw LoadFailure("answer to an unknown request") }
        let lane = Int(header.requestID >> 3)
        var payload = frame.payload
        if header.flags.contains(.error) {
            return (lane, step, .refused((try? ErrorReply.decode(from: &payload))?.code ?? .internalError))
        }
        // Availability replies are large and their content is not needed: only success counts,
        // and a seat map's version, which the lane sends with its next read of the show.
        if step == .availability {
            switch (reads, header.opcode) {
            case (.availability, .availability):
                return (lane, step, .done)
            case (.seatMap, .seatMap):
                guard let (show, version) = payload.readMultipleIntegers(as: (UInt32, UInt64).self) else {
                    throw LoadFailure("unreadable seat map reply")
                }
                seatMapVersions[lane << 32 | Int(show)] = version
                return (lane, step, .done)
            default:
                throw LoadFailure("availability answered with \(header.opcode)")
            }
        }
        guard let response = try? Response.decode(opcode: header.opcode, payload: &payload) else {
            throw LoadFailure("unreadable \(step.noun) reply")
        }
        switch (step, response) {
        case (.hold, .held(let reply)): return (lane, step, .held(id: reply.hold, seats: reply.seats))
        case (.confirm, .booked(let booking)): return (lane, step, .booked(id: booking))
        case (.release, .done), (.cancel, .done): return (lane, step, .done)
        default: throw LoadFailure("\(step.noun) answered with \(response)")
        }
    }

    private func write(_ request: Request, requestID: UInt32, into buffer: inout ByteBuffer) {
        buffer.writeFrame(FrameHeader(opcode: request.opcode, requestID: requestID)) { request.encodePayload(into: &$0) }
    }
}
