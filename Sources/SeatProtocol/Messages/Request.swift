import NIOCore

/// Every request a client can send.
public enum Request: Hashable, Sendable {
    case hello(Hello)
    /// Answered with the same token.
    case ping(token: UInt64)
    case stats
    case hold(HoldRequest)
    case holdBestAvailable(BestAvailableHoldRequest)
    case confirm(ReservationCommand)
    case release(ReservationCommand)
    case extend(ExtendRequest)
    case cancelBooking(ReservationCommand)
    /// A hold or booking by id (bookings have bit 63 set).
    case reservation(id: UInt64)
    case availability(show: UInt32)
    /// The show's counts and seat states, compactly; only the version when `knownVersion` (0
    /// for none) is still the show's.
    case seatMap(show: UInt32, knownVersion: UInt64)
    case listShows
    case layout(UInt32)
    /// A layout document as JSON (see `LayoutDocument`).
    case defineLayout(json: [UInt8])
    case createShow(CreateShowRequest)
    case cancelShow(UInt32)
    /// Take a snapshot now; answered once it is on disk.
    case snapshot
    /// A new API key with `role`, named for people; answered with its secret, this once.
    case createAPIKey(role: Role, name: String)
    case listAPIKeys
    /// A new secret for key `id`'s role and name; the old one stops working.
    case rotateAPIKey(id: UInt32)
    case revokeAPIKey(id: UInt32)
    case subscribe(show: UInt32)
    case unsubscribe(show: UInt32)
    case batch(BatchRequest)

    public var opcode: Opcode {
        switch self {
        case .hello: .hello
        case .ping: .ping
        case .stats: .stats
        case .hold: .hold
        case .holdBestAvailable: .holdBestAvailable
        case .confirm: .confirm
        case .release: .release
        case .extend: .extend
        case .cancelBooking: .cancelBooking
        case .reservation: .reservation
        case .availability: .availability
        case .seatMap: .seatMap
        case .listShows: .listShows
        case .layout: .layout
        case .defineLayout: .defineLayout
        case .createShow: .createShow
        case .cancelShow: .cancelShow
        case .snapshot: .snapshot
        case .createAPIKey: .createAPIKey
        case .listAPIKeys: .listAPIKeys
        case .rotateAPIKey: .rotateAPIKey
        case .revokeAPIKey: .revokeAPIKey
        case .subscribe: .subscribe
        case .unsubscribe: .unsubscribe
        case .batch: .batch
        }
    }

    /// Whether the request may change the inventory or the catalog, so that its answer must
    /// wait until the change is durable. Refusals of these wait too: they may report a state
    /// (a seat held) that other changes not yet durable produced.
    public var changesState: Bool {
        switch self {
        case .hold, .holdBestAvailable, .confirm, .release, .extend, .cancelBooking, .defineLayout, .createShow,
            .cancelShow, .batch, .createAPIKey, .rotateAPIKey, .revokeAPIKey:
            true
        // A snapshot changes no state; it waits for the journal itself before it writes.
        case .hello, .ping, .stats, .reservation, .availability, .seatMap, .listShows, .layout, .subscribe,
            .unsubscribe, .snapshot, .listAPIKeys:
            false
        }
    }

    /// Appends the payload (not the header).
    public func encodePayload(into buffer: inout ByteBuffer) {
        switch self {
        case .hello(let hello):
            buffer.writeMultipleIntegers(hello.minimumVersion, hello.maximumVersion)
            buffer.writeText(hello.apiKey)
            buffer.writeText(hello.clientName)
        case .ping(let token):
            buffer.writeInteger(token)
        case .stats, .listShows, .snapshot, .listAPIKeys:
            break
        case .hold(let hold):
            buffer.writeMultipleIntegers(hold.show, hold.holdMilliseconds)
            buffer.writeIdempotencyKey(hold.idempotencyKey)
            buffer.writeSeats(hold.seats)
        case .holdBestAvailable(let request):
            buffer.writeMultipleIntegers(request.show, request.holdMilliseconds)
            buffer.writeIdempotencyKey(request.idempotencyKey)
            buffer.writeInteger(request.count)
            buffer.writeBool(request.accessible)
            buffer.writeText(request.category ?? "")
            buffer.writeText(request.section ?? "")
        case .confirm(let command), .release(let command), .cancelBooking(let command):
            buffer.writeInteger(command.id)
            buffer.writeIdempotencyKey(command.idempotencyKey)
        case .extend(let request):
            buffer.writeMultipleIntegers(request.hold, request.holdMilliseconds)
            buffer.writeIdempotencyKey(request.idempotencyKey)
        case .reservation(let id):
            buffer.writeInteger(id)
        case .seatMap(let show, let knownVersion):
            buffer.writeMultipleIntegers(show, knownVersion)
        case .availability(let show), .layout(let show), .cancelShow(let show), .subscribe(let show),
            .unsubscribe(let show):
            buffer.writeInteger(show)
        case .defineLayout(let json):
            buffer.writeBlob(json)
        case .createAPIKey(let role, let name):
            buffer.writeInteger(role.rawValue)
            buffer.writeText(name)
        case .rotateAPIKey(let id), .revokeAPIKey(let id):
            buffer.writeInteger(id)
        case .createShow(let request):
            buffer.writeMultipleIntegers(request.layout, request.seatsPerHoldMax, request.holdLifetimeSeconds)
            buffer.writeBool(request.forbidsSingleSeatGaps)
            buffer.writeInteger(UInt32(truncatingIfNeeded: request.distancing.count))
            for seat in request.distancing { buffer.writeInteger(seat) }
        case .batch(let batch):
            buffer.writeBool(batch.isAtomic)
            buffer.writeInteger(UInt16(truncatingIfNeeded: batch.operations.count))
            for operation in batch.operations {
                buffer.writeInteger(operation.opcode.rawValue)
                let lengthIndex = buffer.writerIndex
                buffer.writeInteger(UInt32(0))
                operation.encodePayload(into: &buffer)
                buffer.setInteger(UInt32(buffer.writerIndex - lengthIndex - 4), at: lengthIndex)
            }
        }
    }

    /// Reads the whole payload of a request with `opcode`; nil when the opcode names no request.
    public static func decode(opcode: Opcode, payload: inout ByteBuffer) throws(PayloadError) -> Request? {
        let request: Request
        switch opcode {
        case .hello:
            let minimum = try payload.read(UInt8.self, "minimum version")
            let maximum = try payload.read(UInt8.self, "maximum version")
            let key = try payload.readText("api key", limit: ProtocolLimits.apiKeyBytesMax)
            let name = try payload.readText("client name", limit: ProtocolLimits.nameBytesMax)
            request = .hello(Hello(minimumVersion: minimum, maximumVersion: maximum, apiKey: key, clientName: name))
        case .ping:
            request = .ping(token: try payload.read(UInt64.self, "token"))
        case .stats:
            request = .stats
        case .hold:
            let show = try payload.read(UInt32.self, "show")
            let milliseconds = try payload.readHoldMilliseconds()
            let key = try payload.readIdempotencyKey()
            let seats = try payload.readSeats("seats")
            request = .hold(HoldRequest(show: show, holdMilliseconds: milliseconds, idempotencyKey: key, seats: seats))
        case .holdBestAvailable:
            let show = try payload.read(UInt32.self, "show")
            let milliseconds = try payload.readHoldMilliseconds()
            let key = try payload.readIdempotencyKey()
            let count = try payload.read(UInt16.self, "count")
            let accessible = try payload.readBool("accessible")
            let category = try payload.readOptionalText("category", limit: ProtocolLimits.nameBytesMax)
            let section = try payload.readOptionalText("section", limit: ProtocolLimits.nameBytesMax)
            request = .holdBestAvailable(
                BestAvailableHoldRequest(
                    show: show, holdMilliseconds: milliseconds, idempotencyKey: key, count: count,
                    accessible: accessible, category: category, section: section))
        case .confirm:
            request = .confirm(try ReservationCommand.read(from: &payload))
        case .release:
            request = .release(try ReservationCommand.read(from: &payload))
        case .cancelBooking:
            request = .cancelBooking(try ReservationCommand.read(from: &payload))
        case .extend:
            let hold = try payload.read(UInt64.self, "hold")
            let milliseconds = try payload.readHoldMilliseconds()
            let key = try payload.readIdempotencyKey()
            request = .extend(ExtendRequest(hold: hold, holdMilliseconds: milliseconds, idempotencyKey: key))
        case .reservation:
            request = .reservation(id: try payload.read(UInt64.self, "id"))
        case .availability:
            request = .availability(show: try payload.read(UInt32.self, "show"))
        case .seatMap:
            let show = try payload.read(UInt32.self, "show")
            request = .seatMap(show: show, knownVersion: try payload.read(UInt64.self, "known version"))
        case .listShows:
            request = .listShows
        case .layout:
            request = .layout(try payload.read(UInt32.self, "layout"))
        case .defineLayout:
            request = .defineLayout(json: try payload.readBlob("layout json", limit: ProtocolLimits.payloadBytesMax))
        case .createShow:
            let layout = try payload.read(UInt32.self, "layout")
            let seatsPerHold = try payload.read(UInt16.self, "seats per hold max")
            let lifetime = try payload.read(UInt32.self, "hold lifetime seconds")
            let forbidsGaps = try payload.readBool("forbids single seat gaps")
            let count = Int(try payload.read(UInt32.self, "distancing count"))
            let distancing = try payload.readSeatIndices(
                count: count, "distancing", limit: ProtocolLimits.distancingSeatsMax)
            request = .createShow(
                CreateShowRequest(
                    layout: layout, seatsPerHoldMax: seatsPerHold, holdLifetimeSeconds: lifetime,
                    forbidsSingleSeatGaps: forbidsGaps, distancing: distancing))
        case .cancelShow:
            request = .cancelShow(try payload.read(UInt32.self, "show"))
        case .snapshot:
            request = .snapshot
        case .createAPIKey:
            let rawRole = try payload.read(UInt8.self, "role")
            guard let role = Role(rawValue: rawRole) else { throw .invalidValue(field: "role", value: UInt64(rawRole)) }
            request = .createAPIKey(role: role, name: try payload.readText("name", limit: ProtocolLimits.nameBytesMax))
        case .listAPIKeys:
            request = .listAPIKeys
        case .rotateAPIKey:
            request = .rotateAPIKey(id: try payload.read(UInt32.self, "key id"))
        case .revokeAPIKey:
            request = .revokeAPIKey(id: try payload.read(UInt32.self, "key id"))
        case .subscribe:
            request = .subscribe(show: try payload.read(UInt32.self, "show"))
        case .unsubscribe:
            request = .unsubscribe(show: try payload.read(UInt32.self, "show"))
        case .batch:
            request = .batch(try BatchRequest.read(from: &payload))
        default:
            return nil
        }
        try payload.expectEnd()
        return request
    }
}

extension ByteBuffer {
    /// A hold's duration: a hold of no time would end as it began.
    mutating func readHoldMilliseconds() throws(PayloadError) -> UInt32 {
        let milliseconds = try read(UInt32.self, "hold milliseconds")
        guard milliseconds >= 1 else { throw .belowMinimum(field: "hold milliseconds", value: 0, minimum: 1) }
        return milliseconds
    }
}

extension ReservationCommand {
    static func read(from payload: inout ByteBuffer) throws(PayloadError) -> ReservationCommand {
        let id = try payload.read(UInt64.self, "id")
        return ReservationCommand(id: id, idempotencyKey: try payload.readIdempotencyKey())
    }
}

extension BatchRequest {
    static func read(from payload: inout ByteBuffer) throws(PayloadError) -> BatchRequest {
        let isAtomic = try payload.readBool("atomic")
        let count = Int(try payload.read(UInt16.self, "operation count"))
        guard count <= ProtocolLimits.operationsPerBatchMax else {
            throw .tooLong(field: "operations", length: count, limit: ProtocolLimits.operationsPerBatchMax)
        }
        var operations: [Request] = []
        for index in 0..<count {
            let opcode = Opcode(rawValue: try payload.read(UInt16.self, "operation \(index) opcode"))
            guard (isAtomic ? atomicOpcodes : allowedOpcodes).contains(opcode) else {
                throw .notAllowedInBatch(index: index, opcode: opcode, atomic: isAtomic)
            }
            let length = Int(try payload.read(UInt32.self, "operation \(index) length"))
            guard var body = payload.readSlice(length: length) else { throw .truncated(field: "operation \(index)") }
            guard let operation = try Request.decode(opcode: opcode, payload: &body) else {
                throw .invalidValue(field: "operation \(index) opcode", value: UInt64(opcode.rawValue))
            }
            operations.append(operation)
        }
        return BatchRequest(isAtomic: isAtomic, operations: operations)
    }
}
