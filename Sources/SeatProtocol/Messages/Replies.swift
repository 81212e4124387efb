/// The payloads of successful responses. Times are milliseconds since the Unix epoch.

public struct HelloReply: Hashable, Sendable {
    public var version: UInt8
    public var role: Role
    /// The limits this server enforces on this connection.
    public var inFlightRequestsMax: UInt16
    public var payloadBytesMax: UInt32
    public var seatsPerOperationMax: UInt16
    public var subscriptionsMax: UInt16
    public var operationsPerBatchMax: UInt16
    public var serverTimeMilliseconds: UInt64

    public init(
        version: UInt8,
        role: Role,
        inFlightRequestsMax: UInt16 = UInt16(ProtocolLimits.inFlightRequestsMax),
        payloadBytesMax: UInt32 = UInt32(ProtocolLimits.payloadBytesMax),
        seatsPerOperationMax: UInt16 = UInt16(ProtocolLimits.seatsPerOperationMax),
        subscriptionsMax: UInt16 = UInt16(ProtocolLimits.subscriptionsPerConnectionMax),
        operationsPerBatchMax: UInt16 = UInt16(ProtocolLimits.operationsPerBatchMax),
        serverTimeMilliseconds: UInt64
    ) {
        self.version = version
        self.role = role
        self.inFlightRequestsMax = inFlightRequestsMax
        self.payloadBytesMax = payloadBytesMax
        self.seatsPerOperationMax = seatsPerOperationMax
        self.subscriptionsMax = subscriptionsMax
        self.operationsPerBatchMax = operationsPerBatchMax
        self.serverTimeMilliseconds = serverTimeMilliseconds
    }
}

/// A hold the server placed, with its seats in ascending order.
public struct HoldReply: Hashable, Sendable {
    public var hold: UInt64
    public var deadlineMilliseconds: UInt64
    public var seats: [UInt32]

    public init(hold: UInt64, deadlineMilliseconds: UInt64, seats: [UInt32]) {
        self.hold = hold
        self.deadlineMilliseconds = deadlineMilliseconds
        self.seats = seats
    }
}

public struct ReservationReply: Hashable, Sendable {
    public enum Status: UInt8, Hashable, Sendable {
        case held = 1
        case booked = 2
    }

    public var show: UInt32
    public var status: Status
    /// The hold's deadline; 0 for a booking.
    public var deadlineMilliseconds: UInt64
    public var seats: [UInt32]

    public init(show: UInt32, status: Status, deadlineMilliseconds: UInt64, seats: [UInt32]) {
        self.show = show
        self.status = status
        self.deadlineMilliseconds = deadlineMilliseconds
        self.seats = seats
    }
}

/// Seats of a show (or of one category) counted by state.
public struct WireSeatCounts: Hashable, Sendable {
    public var free: UInt32
    public var held: UInt32
    public var sold: UInt32
    public var blocked: UInt32

    public init(free: UInt32, held: UInt32, sold: UInt32, blocked: UInt32) {
        self.free = free
        self.held = held
        self.sold = sold
        self.blocked = blocked
    }
}

public struct AvailabilityReply: Hashable, Sendable {
    public struct Category: Hashable, Sendable {
        public var id: String
        public var counts: WireSeatCounts

        public init(id: String, counts: WireSeatCounts) {
            self.id = id
            self.counts = counts
        }
    }

    public var show: UInt32
    public var isCancelled: Bool
    public var seatCount: UInt32
    public var counts: WireSeatCounts
    public var categories: [Category]
    /// Bitmaps of `(seatCount + 63) / 64` words; seat `i` is bit `i % 64` of word `i / 64`.
    public var taken: [UInt64]
    public var sold: [UInt64]
    public var blocked: [UInt64]

    public init(
        show: UInt32,
        isCancelled: Bool,
        seatCount: UInt32,
        counts: WireSeatCounts,
        categories: [Category],
        taken: [UInt64],
        sold: [UInt64],
        blocked: [UInt64]
    ) {
        self.show = show
        self.isCancelled = isCancelled
        self.seatCount = seatCount
        self.counts = counts
        self.categories = categories
        self.taken = taken
        self.sold = sold
        self.blocked = blocked
    }
}

/// SEAT_MAP's answer: the show's map version and, unless the client already holds that
/// version, the counts and every seat's state.
public struct SeatMapReply: Hashable, Sendable {
    public var show: UInt32
    /// Opaque, never 0; names this map in the next request for it.
    public var version: UInt64
    /// Nil when the show is unchanged since the version the request named.
    public var map: SeatMapContents?

    public init(show: UInt32, version: UInt64, map: SeatMapContents?) {
        self.show = show
        self.version = version
        self.map = map
    }
}

/// A show's counts and seat states as SEAT_MAP sends them.
public struct SeatMapContents: Hashable, Sendable {
    public var isCancelled: Bool
    public var seatCount: UInt32
    public var counts: WireSeatCounts
    public var categories: [AvailabilityReply.Category]
    public var states: SeatStateCoding

    public init(
        isCancelled: Bool, seatCount: UInt32, counts: WireSeatCounts, categories: [AvailabilityReply.Category],
        states: SeatStateCoding
    ) {
        self.isCancelled = isCancelled
        self.seatCount = seatCount
        self.counts = counts
        self.categories = categories
        self.states = states
    }
}

extension AvailabilityReply {
    /// A SEAT_MAP reply's map as AVAILABILITY gives it: the same counts, the states as bitmaps.
    public init(show: UInt32, seatMap map: SeatMapContents) throws(PayloadError) {
        let states = try map.states.bitmaps(seatCount: Int(map.seatCount))
        self.init(
            show: show, isCancelled: map.isCancelled, seatCount: map.seatCount, counts: map.counts, categories: map.categories,
            taken: states.taken, sold: states.sold, blocked: states.blocked)
    }
}

public struct ShowSummary: Hashable, Sendable {
    public var show: UInt32
    public var layout: UInt32
    public var isCancelled: Bool
    public var seatCount: UInt32

    public init(show: UInt32, layout: UInt32, isCancelled: Bool, seatCount: UInt32) {
        self.show = show
        self.layout = layout
        self.isCancelled = isCancelled
        self.seatCount = seatCount
    }
}

public struct Statistic: Hashable, Sendable {
    public var name: String
    public var value: UInt64

    public init(name: String, value: UInt64) {
        self.name = name
        self.value = value
    }
}

/// One operation's outcome inside a BATCH reply.
public enum BatchResult: Hashable, Sendable {
    case success(Response)
    case failure(ErrorReply)
}

/// A change to seats of a show the connection subscribed to, pushed unasked.
public struct SeatEvent: Hashable, Sendable {
    public enum Kind: UInt8, Hashable, Sendable {
        case held = 1
        case confirmed = 2
        case released = 3
        case expired = 4
        case cancelled = 5
    }

    public var show: UInt32
    /// The show's change number: consecutive from the SUBSCRIBE reply's `nextSequence`.
    public var sequence: UInt64
    public var kind: Kind
    /// The hold the change concerns (a booking has the same id with bit 63 set).
    public var hold: UInt64
    public var seats: [UInt32]

    public init(show: UInt32, sequence: UInt64, kind: Kind, hold: UInt64, seats: [UInt32]) {
        self.show = show
        self.sequence = sequence
        self.kind = kind
        self.hold = hold
        self.seats = seats
    }
}

/// A snapshot the server took and wrote: which journal records it covers, its size, and where
/// the time went. The file name is relative to the server's snapshot directory.
public struct SnapshotReply: Hashable, Sendable {
    /// Every record up to here is in the snapshot; recovery replays from the next.
    public var startLSN: UInt64
    /// Records up to here may be in it too (it was captured while traffic went on).
    public var endLSN: UInt64
    public var bytes: UInt64
    public var compressedBytes: UInt64
    public var captureMicroseconds: UInt64
    public var encodeMicroseconds: UInt64
    public var compressMicroseconds: UInt64
    public var storeMicroseconds: UInt64
    /// Journal segments the snapshot made redundant and that were deleted.
    public var deletedSegments: UInt32
    public var file: String

    public init(
        startLSN: UInt64, endLSN: UInt64, bytes: UInt64, compressedBytes: UInt64, captureMicroseconds: UInt64,
        encodeMicroseconds: UInt64, compressMicroseconds: UInt64, storeMicroseconds: UInt64, deletedSegments: UInt32,
        file: String
    ) {
        self.startLSN = startLSN
        self.endLSN = endLSN
        self.bytes = bytes
        self.compressedBytes = compressedBytes
        self.captureMicroseconds = captureMicroseconds
        self.encodeMicroseconds = encodeMicroseconds
        self.compressMicroseconds = compressMicroseconds
        self.storeMicroseconds = storeMicroseconds
        self.deletedSegments = deletedSegments
        self.file = file
    }
}

/// An API key as LIST_API_KEYS describes it: never its secret.
public struct APIKeySummary: Hashable, Sendable {
    public var id: UInt32
    public var role: Role
    public var name: String
    public var createdMilliseconds: UInt64
    public var isRevoked: Bool

    public init(id: UInt32, role: Role, name: String, createdMilliseconds: UInt64, isRevoked: Bool) {
        self.id = id
        self.role = role
        self.name = name
        self.createdMilliseconds = createdMilliseconds
        self.isRevoked = isRevoked
    }
}
