import SeatInventory

/// A change to the inventory as the journal stores it: one record each.
///
/// Payloads are little-endian. Seat changes carry the show's change number so that recovery
/// continues each show's numbering where it stopped.
///
/// | type | record | payload |
/// |---|---|---|
/// | 1 | layout defined | layout u32, JSON document (u32 length + bytes) |
/// | 2 | show created | show u32, layout u32, no single gaps u8, seats per hold u16, hold lifetime ms u64, distancing seats (u32 count + u32 each) |
/// | 3 | show cancelled | show u32 |
/// | 4 | hold placed | hold u64, show u32, change u64, deadline ms u64, lifetime cap ms u64, seats (u32 count + u32 each) |
/// | 5 | hold or booking ended | kind u8 (3 released, 4 expired, 5 cancelled), hold u64, show u32, change u64 |
/// | 6 | hold extended | hold u64, deadline ms u64 |
/// | 7 | hold confirmed | hold u64, show u32, change u64, seats (u32 count + u32 each) |
/// | 8 | idempotent outcome | the request's key, fingerprint, time and outcome (see `IdempotencyCoding.swift`) |
/// | 9 | API key created | id u32, role u8, name (u32 length + bytes), SHA-256 digest (32 bytes), created ms u64 |
/// | 10 | API key revoked | id u32, revoked ms u64 |
///
/// A confirmation carries its seats, unlike the other endings, so that a reader of the journal
/// (the PostgreSQL persister) can write a booking from its record alone.
public enum EngineRecord: Hashable, Sendable {
    case layoutDefined(id: UInt32, json: [UInt8])
    case showCreated(ShowID, layout: UInt32, rules: ShowRules)
    case showCancelled(ShowID)
    case held(SeatChange, seats: [UInt32], deadline: Timestamp, lifetimeCap: Timestamp)
    /// A hold released or expired, or a booking cancelled.
    case ended(SeatChange)
    case extended(HoldID, deadline: Timestamp)
    case confirmed(SeatChange, seats: [UInt32])
    /// A request with an idempotency key ended so; logged after the changes it made.
    case idempotentOutcome(IdempotencyEntry)
    case apiKeyCreated(StoredAPIKey)
    case apiKeyRevoked(id: UInt32, at: UInt64)

    enum RecordType: UInt8 {
        case layoutDefined = 1, showCreated, showCancelled, held, ended, extended, confirmed, idempotentOutcome
        case apiKeyCreated, apiKeyRevoked
    }

    var recordType: RecordType {
        switch self {
        case .layoutDefined: .layoutDefined
        case .showCreated: .showCreated
        case .showCancelled: .showCancelled
        case .held: .held
        case .ended: .ended
        case .extended: .extended
        case .confirmed: .confirmed
        case .idempotentOutcome: .idempotentOutcome
        case .apiKeyCreated: .apiKeyCreated
        case .apiKeyRevoked: .apiKeyRevoked
        }
    }

    /// The record's type byte and payload.
    public var encoded: (type: UInt8, payload: [UInt8]) {
        var writer = PayloadWriter(capacity: 64)
        write(into: &writer)
        return (recordType.rawValue, writer.bytes)
    }

    func write<Storage>(into writer: inout PayloadWriter<Storage>) {
        switch self {
        case .layoutDefined(let id, let json):
            writer.write(id)
            writer.write(bytes: json)
        case .showCreated(let show, let layout, let rules):
            writer.write(show.rawValue)
            writer.write(layout)
            writer.write(rules: rules)
        case .showCancelled(let show):
            writer.write(show.rawValue)
        case .held(let change, let seats, let deadline, let lifetimeCap):
            Self.writeHeld(change, seats: seats, deadline: deadline, lifetimeCap: lifetimeCap, into: &writer)
        case .ended(let change):
            Self.writeEnded(change, into: &writer)
        case .extended(let hold, let deadline):
            Self.writeExtended(hold, deadline: deadline, into: &writer)
        case .confirmed(let change, let seats):
            Self.writeConfirmed(change, seats: seats, into: &writer)
        case .idempotentOutcome(let entry):
            writer.write(idempotencyEntry: entry)
        case .apiKeyCreated(let key):
            writer.write(apiKey: key)
        case .apiKeyRevoked(let id, let at):
            writer.write(id)
            writer.write(at)
        }
    }

    // The records every seat change writes, each with its payload's size, so that the journal
    // can encode them in place without making the enum value (and its array of seats) first.

    static func heldBytes(seats: Int) -> Int { 40 + 4 * seats }

    static func writeHeld<Storage>(
        _ change: SeatChange, seats: some Collection<UInt32>, deadline: Timestamp, lifetimeCap: Timestamp,
        into writer: inout PayloadWriter<Storage>
    ) {
        writer.write(HoldID(change.reservation).rawValue)
        writer.write(change.show.rawValue)
        writer.write(change.sequence)
        writer.write(deadline.milliseconds)
        writer.write(lifetimeCap.milliseconds)
        writer.write(seats: seats)
    }

    static let endedBytes = 21

    static func writeEnded<Storage>(_ change: SeatChange, into writer: inout PayloadWriter<Storage>) {
        writer.write(change.kind.rawValue)
        writer.write(HoldID(change.reservation).rawValue)
        writer.write(change.show.rawValue)
        writer.write(change.sequence)
    }

    static let extendedBytes = 16

    static func writeExtended<Storage>(_ hold: HoldID, deadline: Timestamp, into writer: inout PayloadWriter<Storage>) {
        writer.write(hold.rawValue)
        writer.write(deadline.milliseconds)
    }

    static func confirmedBytes(seats: Int) -> Int { 24 + 4 * seats }

    static func writeConfirmed<Storage>(
        _ change: SeatChange, seats: some Collection<UInt32>, into writer: inout PayloadWriter<Storage>
    ) {
        writer.write(HoldID(change.reservation).rawValue)
        writer.write(change.show.rawValue)
        writer.write(change.sequence)
        writer.write(seats: seats)
    }

    /// Decodes a journal record; throws for an unknown type or a payload that does not fit it.
    public init(_ record: JournalRecord) throws(PayloadDecodingError) {
        guard let type = RecordType(rawValue: record.type) else {
            throw PayloadDecodingError(description: "LSN \(record.lsn) has unknown record type \(record.type)")
        }
        var reader = PayloadReader(record.payload)
        switch type {
        case .layoutDefined:
            self = .layoutDefined(
                id: try reader.read(UInt32.self, "layout"),
                json: try reader.readBytes("layout document", limit: JournalRecord.payloadBytesMax))
        case .showCreated:
            let show = ShowID(rawValue: try reader.read(UInt32.self, "show"))
            let layout = try reader.read(UInt32.self, "layout")
            self = .showCreated(show, layout: layout, rules: try reader.readRules())
        case .showCancelled:
            self = .showCancelled(ShowID(rawValue: try reader.read(UInt32.self, "show")))
        case .held:
            let hold = try Self.hold(&reader)
            let show = ShowID(rawValue: try reader.read(UInt32.self, "show"))
            let sequence = try reader.read(UInt64.self, "change")
            let deadline = Timestamp(milliseconds: try reader.read(UInt64.self, "deadline"))
            let lifetimeCap = Timestamp(milliseconds: try reader.read(UInt64.self, "lifetime cap"))
            let seats = try reader.readSeats("seats", limit: InventoryLimits.seatsPerHoldMax)
            let change = SeatChange(kind: .held, show: show, sequence: sequence, reservation: hold.reservation)
            self = .held(change, seats: seats, deadline: deadline, lifetimeCap: lifetimeCap)
        case .ended:
            let rawKind = try reader.read(UInt8.self, "kind")
            guard let kind = SeatChange.Kind(rawValue: rawKind), kind != .held, kind != .confirmed else {
                throw PayloadDecodingError(description: "\(rawKind) is not a kind of ending")
            }
            let hold = try Self.hold(&reader)
            let show = ShowID(rawValue: try reader.read(UInt32.self, "show"))
            let sequence = try reader.read(UInt64.self, "change")
            self = .ended(SeatChange(kind: kind, show: show, sequence: sequence, reservation: hold.reservation))
        case .extended:
            let hold = try Self.hold(&reader)
            self = .extended(hold, deadline: Timestamp(milliseconds: try reader.read(UInt64.self, "deadline")))
        case .confirmed:
            let hold = try Self.hold(&reader)
            let show = ShowID(rawValue: try reader.read(UInt32.self, "show"))
            let sequence = try reader.read(UInt64.self, "change")
            let seats = try reader.readSeats("seats", limit: InventoryLimits.seatsPerHoldMax)
            self = .confirmed(SeatChange(kind: .confirmed, show: show, sequence: sequence, reservation: hold.reservation), seats: seats)
        case .idempotentOutcome:
            self = .idempotentOutcome(try reader.readIdempotencyEntry())
        case .apiKeyCreated:
            self = .apiKeyCreated(try reader.readAPIKey())
        case .apiKeyRevoked:
            self = .apiKeyRevoked(id: try reader.read(UInt32.self, "key id"), at: try reader.read(UInt64.self, "revoked"))
        }
        try reader.expectEnd("record \(record.lsn)")
    }

    private static func hold(_ reader: inout PayloadReader) throws(PayloadDecodingError) -> HoldID {
        let raw = try reader.read(UInt64.self, "hold")
        guard let hold = HoldID(rawValue: raw) else {
            throw PayloadDecodingError(description: "0x\(String(raw, radix: 16)) is not a hold id")
        }
        return hold
    }
}
