import NIOCore

/// Every successful response; which case answers which request is fixed by the opcode.
public enum Response: Hashable, Sendable {
    case hello(HelloReply)
    case pong(token: UInt64, serverTimeMilliseconds: UInt64)
    case stats([Statistic])
    /// HOLD and HOLD_BEST_AVAILABLE.
    case held(HoldReply)
    /// CONFIRM: the booking id.
    case booked(booking: UInt64)
    /// EXTEND: the hold's deadline now.
    case extended(deadlineMilliseconds: UInt64)
    /// RELEASE, CANCEL_BOOKING, CANCEL_SHOW, UNSUBSCRIBE and REVOKE_API_KEY: an empty payload.
    case done
    case reservation(ReservationReply)
    case availability(AvailabilityReply)
    case seatMap(SeatMapReply)
    case shows([ShowSummary])
    case layout(id: UInt32, json: [UInt8])
    case layoutDefined(layout: UInt32, seatCount: UInt32)
    case showCreated(show: UInt32)
    case snapshotTaken(SnapshotReply)
    /// CREATE_API_KEY and ROTATE_API_KEY: the key's id and its secret, which is never sent again.
    case apiKeyIssued(id: UInt32, role: Role, key: String)
    case apiKeys([APIKeySummary])
    /// SUBSCRIBE: the first event's sequence number will be `nextSequence`.
    case subscribed(show: UInt32, nextSequence: UInt64)
    case batch([BatchResult])

    public func encodePayload(into buffer: inout ByteBuffer) {
        switch self {
        case .hello(let reply):
            buffer.writeMultipleIntegers(
                reply.version, reply.role.rawValue, reply.inFlightRequestsMax, reply.payloadBytesMax,
                reply.seatsPerOperationMax, reply.subscriptionsMax, reply.operationsPerBatchMax,
                reply.serverTimeMilliseconds)
        case .pong(let token, let time):
            buffer.writeMultipleIntegers(token, time)
        case .stats(let statistics):
            buffer.writeInteger(UInt16(truncatingIfNeeded: statistics.count))
            for statistic in statistics {
                buffer.writeText(statistic.name)
                buffer.writeInteger(statistic.value)
            }
        case .held(let reply):
            buffer.writeMultipleIntegers(reply.hold, reply.deadlineMilliseconds)
            buffer.writeSeats(reply.seats)
        case .booked(let booking):
            buffer.writeInteger(booking)
        case .extended(let deadline):
            buffer.writeInteger(deadline)
        case .done:
            break
        case .reservation(let reply):
            buffer.writeMultipleIntegers(reply.show, reply.status.rawValue, reply.deadlineMilliseconds)
            buffer.writeSeats(reply.seats)
        case .availability(let reply):
            buffer.writeInteger(reply.show)
            buffer.writeBool(reply.isCancelled)
            buffer.writeInteger(reply.seatCount)
            buffer.writeCounts(reply.counts)
            buffer.writeCategories(reply.categories)
            buffer.writeInteger(UInt32(truncatingIfNeeded: reply.taken.count))
            buffer.writeWords(reply.taken)
            buffer.writeWords(reply.sold)
            buffer.writeWords(reply.blocked)
        case .seatMap(let reply):
            buffer.writeMultipleIntegers(reply.show, reply.version)
            buffer.writeBool(reply.map == nil)
            if let map = reply.map { map.write(into: &buffer) }
        case .shows(let shows):
            buffer.writeInteger(UInt32(truncatingIfNeeded: shows.count))
            for show in shows {
                buffer.writeMultipleIntegers(show.show, show.layout, UInt8(show.isCancelled ? 1 : 0), show.seatCount)
            }
        case .layout(let id, let json):
            buffer.writeInteger(id)
            buffer.writeBlob(json)
        case .layoutDefined(let layout, let seatCount):
            buffer.writeMultipleIntegers(layout, seatCount)
        case .apiKeyIssued(let id, let role, let key):
            buffer.writeInteger(id)
            buffer.writeInteger(role.rawValue)
            buffer.writeText(key)
        case .apiKeys(let keys):
            buffer.writeInteger(UInt16(truncatingIfNeeded: keys.count))
            for key in keys {
                buffer.writeMultipleIntegers(key.id, key.role.rawValue, key.createdMilliseconds)
                buffer.writeBool(key.isRevoked)
                buffer.writeText(key.name)
            }
        case .snapshotTaken(let reply):
            buffer.writeMultipleIntegers(reply.startLSN, reply.endLSN, reply.bytes, reply.compressedBytes)
            buffer.writeMultipleIntegers(
                reply.captureMicroseconds, reply.encodeMicroseconds, reply.compressMicroseconds, reply.storeMicroseconds,
                reply.deletedSegments)
            buffer.writeText(reply.file)
        case .showCreated(let show):
            buffer.writeInteger(show)
        case .subscribed(let show, let nextSequence):
            buffer.writeMultipleIntegers(show, nextSequence)
        case .batch(let results):
            buffer.writeInteger(UInt16(truncatingIfNeeded: results.count))
            for result in results {
                let isFailure: Bool
                if case .failure = result { isFailure = true } else { isFailure = false }
                buffer.writeBool(isFailure)
                let lengthIndex = buffer.writerIndex
                buffer.writeInteger(UInt32(0))
                switch result {
                case .success(let response): response.encodePayload(into: &buffer)
                case .failure(let error): error.encode(into: &buffer)
                }
                buffer.setInteger(UInt32(buffer.writerIndex - lengthIndex - 4), at: lengthIndex)
            }
        }
    }

    /// Reads the payload of a successful response to a request with `opcode`. A BATCH reply
    /// needs the opcodes of the batch's operations, in order.
    public static func decode(
        opcode: Opcode,
        payload: inout ByteBuffer,
        batchOpcodes: [Opcode] = []
    ) throws(PayloadError) -> Response {
        let response: Response
        switch opcode {
        case .hello:
            let version = try payload.read(UInt8.self, "version")
            let roleValue = try payload.read(UInt8.self, "role")
            guard let role = Role(rawValue: roleValue) else { throw .invalidValue(field: "role", value: UInt64(roleValue)) }
            response = .hello(
                HelloReply(
                    version: version, role: role,
                    inFlightRequestsMax: try payload.read(UInt16.self, "in-flight requests max"),
                    payloadBytesMax: try payload.read(UInt32.self, "payload bytes max"),
                    seatsPerOperationMax: try payload.read(UInt16.self, "seats per operation max"),
                    subscriptionsMax: try payload.read(UInt16.self, "subscriptions max"),
                    operationsPerBatchMax: try payload.read(UInt16.self, "operations per batch max"),
                    serverTimeMilliseconds: try payload.read(UInt64.self, "server time")))
        case .ping:
            let token = try payload.read(UInt64.self, "token")
            response = .pong(token: token, serverTimeMilliseconds: try payload.read(UInt64.self, "server time"))
        case .stats:
            let count = Int(try payload.read(UInt16.self, "statistic count"))
            var statistics: [Statistic] = []
            for _ in 0..<count {
                let name = try payload.readText("statistic name", limit: ProtocolLimits.nameBytesMax)
                statistics.append(Statistic(name: name, value: try payload.read(UInt64.self, "statistic value")))
            }
            response = .stats(statistics)
        case .hold, .holdBestAvailable:
            let hold = try payload.read(UInt64.self, "hold")
            let deadline = try payload.read(UInt64.self, "deadline")
            response = .held(HoldReply(hold: hold, deadlineMilliseconds: deadline, seats: try payload.readSeats("seats")))
        case .confirm:
            response = .booked(booking: try payload.read(UInt64.self, "booking"))
        case .extend:
            response = .extended(deadlineMilliseconds: try payload.read(UInt64.self, "deadline"))
        case .release, .cancelBooking, .cancelShow, .unsubscribe, .revokeAPIKey:
            response = .done
        case .createAPIKey, .rotateAPIKey:
            let id = try payload.read(UInt32.self, "key id")
            let role = try payload.readRole()
            response = .apiKeyIssued(id: id, role: role, key: try payload.readText("key", limit: ProtocolLimits.apiKeyBytesMax))
        case .listAPIKeys:
            let count = Int(try payload.read(UInt16.self, "key count"))
            var keys: [APIKeySummary] = []
            for _ in 0..<count {
                let id = try payload.read(UInt32.self, "key id")
                let role = try payload.readRole()
                let created = try payload.read(UInt64.self, "created")
                let isRevoked = try payload.readBool("revoked")
                keys.append(
                    APIKeySummary(
                        id: id, role: role, name: try payload.readText("name", limit: ProtocolLimits.nameBytesMax),
                        createdMilliseconds: created, isRevoked: isRevoked))
            }
            response = .apiKeys(keys)
        case .reservation:
            let show = try payload.read(UInt32.self, "show")
            let statusValue = try payload.read(UInt8.self, "status")
            guard let status = ReservationReply.Status(rawValue: statusValue) else {
                throw .invalidValue(field: "status", value: UInt64(statusValue))
            }
            let deadline = try payload.read(UInt64.self, "deadline")
            response = .reservation(
                ReservationReply(show: show, status: status, deadlineMilliseconds: deadline, seats: try payload.readSeats("seats")))
        case .availability:
            response = .availability(try AvailabilityReply.read(from: &payload))
        case .seatMap:
            let show = try payload.read(UInt32.self, "show")
            let version = try payload.read(UInt64.self, "version")
            let isUnchanged = try payload.readBool("unchanged")
            response = .seatMap(
                SeatMapReply(show: show, version: version, map: isUnchanged ? nil : try SeatMapContents.read(from: &payload)))
        case .listShows:
            let count = Int(try payload.read(UInt32.self, "show count"))
            guard payload.readableBytes >= count * 13 else { throw .truncated(field: "shows") }
            var shows: [ShowSummary] = []
            shows.reserveCapacity(count)
            for _ in 0..<count {
                let (show, layout, cancelled, seatCount) = payload.readMultipleIntegers(as: (UInt32, UInt32, UInt8, UInt32).self)!
                shows.append(ShowSummary(show: show, layout: layout, isCancelled: cancelled != 0, seatCount: seatCount))
            }
            response = .shows(shows)
        case .layout:
            let id = try payload.read(UInt32.self, "layout")
            response = .layout(id: id, json: try payload.readBlob("layout json", limit: ProtocolLimits.payloadBytesMax))
        case .defineLayout:
            let layout = try payload.read(UInt32.self, "layout")
            response = .layoutDefined(layout: layout, seatCount: try payload.read(UInt32.self, "seat count"))
        case .createShow:
            response = .showCreated(show: try payload.read(UInt32.self, "show"))
        case .snapshot:
            response = .snapshotTaken(
                SnapshotReply(
                    startLSN: try payload.read(UInt64.self, "start LSN"), endLSN: try payload.read(UInt64.self, "end LSN"),
                    bytes: try payload.read(UInt64.self, "bytes"), compressedBytes: try payload.read(UInt64.self, "compressed bytes"),
                    captureMicroseconds: try payload.read(UInt64.self, "capture time"),
                    encodeMicroseconds: try payload.read(UInt64.self, "encode time"),
                    compressMicroseconds: try payload.read(UInt64.self, "compress time"),
                    storeMicroseconds: try payload.read(UInt64.self, "store time"),
                    deletedSegments: try payload.read(UInt32.self, "deleted segments"),
                    file: try payload.readText("file", limit: ProtocolLimits.nameBytesMax)))
        case .subscribe:
            let show = try payload.read(UInt32.self, "show")
            response = .subscribed(show: show, nextSequence: try payload.read(UInt64.self, "next sequence"))
        case .batch:
            let count = Int(try payload.read(UInt16.self, "result count"))
            guard count == batchOpcodes.count else {
                throw .invalidValue(field: "result count", value: UInt64(count))
            }
            var results: [BatchResult] = []
            for opcode in batchOpcodes {
                let isFailure = try payload.readBool("result status")
                let length = Int(try payload.read(UInt32.self, "result length"))
                guard var body = payload.readSlice(length: length) else { throw .truncated(field: "result") }
                results.append(
                    isFailure ? .failure(try ErrorReply.decode(from: &body)) : .success(try decode(opcode: opcode, payload: &body)))
            }
            response = .batch(results)
        default:
            throw .invalidValue(field: "opcode", value: UInt64(opcode.rawValue))
        }
        try payload.expectEnd()
        return response
    }
}

extension AvailabilityReply {
    static func read(from payload: inout ByteBuffer) throws(PayloadError) -> AvailabilityReply {
        let show = try payload.read(UInt32.self, "show")
        let isCancelled = try payload.readBool("cancelled")
        let seatCount = try payload.read(UInt32.self, "seat count")
        let counts = try payload.readCounts("counts")
        let categories = try payload.readCategories()
        let wordCount = Int(try payload.read(UInt32.self, "word count"))
        guard wordCount == (Int(seatCount) + 63) / 64 else {
            throw .invalidValue(field: "word count", value: UInt64(wordCount))
        }
        guard payload.readableBytes >= wordCount * 24 else { throw .truncated(field: "bitmaps") }
        let taken = payload.readWords(wordCount)
        let sold = payload.readWords(wordCount)
        let blocked = payload.readWords(wordCount)
        return AvailabilityReply(
            show: show, isCancelled: isCancelled, seatCount: seatCount, counts: counts, categories: categories,
            taken: taken, sold: sold, blocked: blocked)
    }
}

extension SeatMapContents {
    func write(into buffer: inout ByteBuffer) {
        buffer.writeBool(isCancelled)
        buffer.writeInteger(seatCount)
        buffer.writeCounts(counts)
        buffer.writeCategories(categories)
        buffer.writeInteger(states.form.rawValue)
        buffer.writeBlob(states.bytes)
    }

    /// Reads and checks the map: its states must describe exactly `seat count` seats.
    static func read(from payload: inout ByteBuffer) throws(PayloadError) -> SeatMapContents {
        let isCancelled = try payload.readBool("cancelled")
        let seatCount = try payload.read(UInt32.self, "seat count")
        guard seatCount <= ProtocolLimits.seatsPerShowMax else {
            throw .tooLong(field: "seat count", length: Int(seatCount), limit: ProtocolLimits.seatsPerShowMax)
        }
        let counts = try payload.readCounts("counts")
        let categories = try payload.readCategories()
        let formValue = try payload.read(UInt8.self, "state form")
        guard let form = SeatStateCoding.Form(rawValue: formValue) else {
            throw .invalidValue(field: "state form", value: UInt64(formValue))
        }
        let states = SeatStateCoding(form: form, bytes: try payload.readBlob("seat states", limit: ProtocolLimits.payloadBytesMax))
        try states.check(seatCount: Int(seatCount))
        return SeatMapContents(isCancelled: isCancelled, seatCount: seatCount, counts: counts, categories: categories, states: states)
    }
}

extension ByteBuffer {
    /// Big-endian words in one pass over the buffer's memory: a 100,000-seat map has 1,563 words
    /// a bitmap, and writing them one call each cost more than the rest of the reply.
    mutating func writeWords(_ words: [UInt64]) {
        writeWithUnsafeMutableBytes(minimumWritableBytes: words.count * 8) { memory in
            for (index, word) in words.enumerated() {
                memory.storeBytes(of: word.bigEndian, toByteOffset: index * 8, as: UInt64.self)
            }
            return words.count * 8
        }
    }

    /// `count` big-endian words, which the caller has checked are there.
    mutating func readWords(_ count: Int) -> [UInt64] {
        readWithUnsafeReadableBytes { memory in
            let words = (0..<count).map { UInt64(bigEndian: memory.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)) }
            return (count * 8, words)
        }
    }

    /// Per category of the layout, its id and its counts, after their number (u16).
    mutating func writeCategories(_ categories: [AvailabilityReply.Category]) {
        writeInteger(UInt16(truncatingIfNeeded: categories.count))
        for category in categories {
            writeText(category.id)
            writeCounts(category.counts)
        }
    }

    mutating func readCategories() throws(PayloadError) -> [AvailabilityReply.Category] {
        let count = Int(try read(UInt16.self, "category count"))
        var categories: [AvailabilityReply.Category] = []
        for _ in 0..<count {
            let id = try readText("category id", limit: ProtocolLimits.nameBytesMax)
            categories.append(AvailabilityReply.Category(id: id, counts: try readCounts("category counts")))
        }
        return categories
    }

    mutating func writeCounts(_ counts: WireSeatCounts) {
        writeMultipleIntegers(counts.free, counts.held, counts.sold, counts.blocked)
    }

    mutating func readCounts(_ field: String) throws(PayloadError) -> WireSeatCounts {
        guard let (free, held, sold, blocked) = readMultipleIntegers(as: (UInt32, UInt32, UInt32, UInt32).self) else {
            throw .truncated(field: field)
        }
        return WireSeatCounts(free: free, held: held, sold: sold, blocked: blocked)
    }
}

extension SeatEvent {
    public func encodePayload(into buffer: inout ByteBuffer) {
        buffer.writeMultipleIntegers(show, sequence, kind.rawValue, hold)
        buffer.writeSeats(seats)
    }

    public static func decode(from payload: inout ByteBuffer) throws(PayloadError) -> SeatEvent {
        let show = try payload.read(UInt32.self, "show")
        let sequence = try payload.read(UInt64.self, "sequence")
        let kindValue = try payload.read(UInt8.self, "kind")
        guard let kind = Kind(rawValue: kindValue) else { throw .invalidValue(field: "kind", value: UInt64(kindValue)) }
        let hold = try payload.read(UInt64.self, "hold")
        let seats = try payload.readSeats("seats")
        try payload.expectEnd()
        return SeatEvent(show: show, sequence: sequence, kind: kind, hold: hold, seats: seats)
    }
}
