import NIOCore
import SeatProtocol

/// Redis as a seat store, the way a team would build one: a key per seat, `s:<show>:<seat>`,
/// holding the hold's token with an expiry; a booking keeps the seat with no expiry. A
/// single-seat hold is `SET NX PX`; several seats, confirmations, releases and cancellations
/// are Lua scripts that check every seat and change all or none. Redis answers in order, so
/// each answer belongs to the oldest request still unanswered.
struct RedisCodec: LoadCodec {
    /// The scripts, loaded at connection start and run by digest.
    enum Script: Int, CaseIterable {
        case hold, confirm, release, cancel

        var source: String {
            switch self {
            case .hold:
                """
                for i = 1, #KEYS do if redis.call('EXISTS', KEYS[i]) == 1 then return 0 end end
                for i = 1, #KEYS do redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[2]) end
                return 1
                """
            case .confirm:
                """
                for i = 1, #KEYS do if redis.call('GET', KEYS[i]) ~= ARGV[1] then return 0 end end
                for i = 1, #KEYS do redis.call('SET', KEYS[i], 'b' .. ARGV[1]) end
                return 1
                """
            case .release:
                """
                for i = 1, #KEYS do if redis.call('GET', KEYS[i]) ~= ARGV[1] then return 0 end end
                redis.call('DEL', unpack(KEYS))
                return 1
                """
            case .cancel:
                """
                for i = 1, #KEYS do if redis.call('GET', KEYS[i]) ~= 'b' .. ARGV[1] then return 0 end end
                redis.call('DEL', unpack(KEYS))
                return 1
                """
            }
        }
    }

    private struct Pending {
        let lane: Int
        let step: Workload.Step
        let token: UInt64
        let seats: [UInt32]
    }

    let holdMilliseconds: UInt32
    private var digests: [String] = []
    private var pending = CircularBuffer<Pending>()
    /// Hold tokens: unique across connections, since each starts from its own high bits.
    private var nextToken: UInt64

    init(holdMilliseconds: UInt32, connection: Int) {
        self.holdMilliseconds = holdMilliseconds
        nextToken = UInt64(connection) << 40
    }

    static let choosesBestSeats = false

    func makeDecoder() -> any ChannelHandler { ByteToMessageHandler(RESPValueDecoder()) }

    func greet(into buffer: inout ByteBuffer) -> Int {
        for script in Script.allCases { buffer.writeRESPCommand([.text("SCRIPT"), .text("LOAD"), .text(script.source)]) }
        return Script.allCases.count
    }

    mutating func acceptGreetingAnswer(_ answer: RESPValue) throws(LoadFailure) {
        guard case .bulkString(let digest?) = answer else { throw LoadFailure("SCRIPT LOAD answered \(answer)") }
        digests.append(String(buffer: digest))
    }

    mutating func encode(_ request: LoadRequest, lane: Int, into buffer: inout ByteBuffer) {
        switch request {
        case .hold(let show, let seats) where seats.count == 1:
            let token = takeToken()
            buffer.writeRESPCommand([
                .text("SET"), .seatKey(show: show, seat: seats[0]), .number(token), .text("NX"), .text("PX"),
                .number(UInt64(holdMilliseconds)),
            ])
            pending.append(Pending(lane: lane, step: .hold, token: token, seats: seats))
        case .hold(let show, let seats):
            let token = takeToken()
            run(.hold, show: show, seats: seats, arguments: [.number(token), .number(UInt64(holdMilliseconds))], into: &buffer)
            pending.append(Pending(lane: lane, step: .hold, token: token, seats: seats))
        case .confirm(let hold):
            run(.confirm, show: hold.show, seats: hold.seats, arguments: [.number(hold.id)], into: &buffer)
            pending.append(Pending(lane: lane, step: .confirm, token: hold.id, seats: hold.seats))
        case .release(let hold):
            run(.release, show: hold.show, seats: hold.seats, arguments: [.number(hold.id)], into: &buffer)
            pending.append(Pending(lane: lane, step: .release, token: hold.id, seats: hold.seats))
        case .cancel(let booking):
            run(.cancel, show: booking.show, seats: booking.seats, arguments: [.number(booking.id)], into: &buffer)
            pending.append(Pending(lane: lane, step: .cancel, token: booking.id, seats: booking.seats))
        case .holdBestAvailable, .availability:
            preconditionFailure("Redis has no best-available search or seat map; the command refuses such runs")
        }
    }

    mutating func decode(_ answer: RESPValue) throws(LoadFailure) -> (lane: Int, step: Workload.Step, outcome: LoadOutcome) {
        guard let request = pending.popFirst() else { throw LoadFailure("an answer to no request") }
        let succeeded: Bool
        switch answer {
        case .simpleString("OK"), .integer(1): succeeded = true
        case .bulkString(nil), .integer(0): succeeded = false
        default: throw LoadFailure("\(request.step.noun) answered \(answer)")
        }
        guard succeeded else { return (request.lane, request.step, .refused(request.step.peerRefusal)) }
        switch request.step {
        case .hold: return (request.lane, request.step, .held(id: request.token, seats: request.seats))
        case .confirm: return (request.lane, request.step, .booked(id: request.token))
        case .release, .cancel, .availability: return (request.lane, request.step, .done)
        }
    }

    private mutating func takeToken() -> UInt64 {
        defer { nextToken += 1 }
        return nextToken
    }

    private func run(_ script: Script, show: UInt32, seats: [UInt32], arguments: [RESPArgument], into buffer: inout ByteBuffer) {
        buffer.writeRESPCommand(
            [.text("EVALSHA"), .text(digests[script.rawValue]), .number(UInt64(seats.count))]
                + seats.map { .seatKey(show: show, seat: $0) } + arguments)
    }
}
