/// The payloads of requests. Field order here is wire order; `Protocol/README.md` gives offsets.

public struct Hello: Hashable, Sendable {
    public var minimumVersion: UInt8
    public var maximumVersion: UInt8
    public var apiKey: String
    /// Shown in the server's logs; at most ``ProtocolLimits/nameBytesMax`` bytes.
    public var clientName: String

    public init(
        minimumVersion: UInt8 = ProtocolVersion.supported.lowerBound,
        maximumVersion: UInt8 = ProtocolVersion.supported.upperBound,
        apiKey: String,
        clientName: String
    ) {
        self.minimumVersion = minimumVersion
        self.maximumVersion = maximumVersion
        self.apiKey = apiKey
        self.clientName = clientName
    }
}

public struct HoldRequest: Hashable, Sendable {
    public var show: UInt32
    /// How long the hold lasts; the show's hold lifetime caps it.
    public var holdMilliseconds: UInt32
    public var idempotencyKey: WireIdempotencyKey
    public var seats: [UInt32]

    public init(show: UInt32, holdMilliseconds: UInt32, idempotencyKey: WireIdempotencyKey = .none, seats: [UInt32]) {
        self.show = show
        self.holdMilliseconds = holdMilliseconds
        self.idempotencyKey = idempotencyKey
        self.seats = seats
    }
}

public struct BestAvailableHoldRequest: Hashable, Sendable {
    public var show: UInt32
    public var holdMilliseconds: UInt32
    public var idempotencyKey: WireIdempotencyKey
    public var count: UInt16
    public var accessible: Bool
    /// Category id to choose from; nil for any.
    public var category: String?
    /// Section id to choose from; nil for any.
    public var section: String?

    public init(
        show: UInt32,
        holdMilliseconds: UInt32,
        idempotencyKey: WireIdempotencyKey = .none,
        count: UInt16,
        accessible: Bool = false,
        category: String? = nil,
        section: String? = nil
    ) {
        self.show = show
        self.holdMilliseconds = holdMilliseconds
        self.idempotencyKey = idempotencyKey
        self.count = count
        self.accessible = accessible
        self.category = category
        self.section = section
    }
}

/// CONFIRM, RELEASE and CANCEL_BOOKING: one hold or booking id and an idempotency key.
public struct ReservationCommand: Hashable, Sendable {
    public var id: UInt64
    public var idempotencyKey: WireIdempotencyKey

    public init(id: UInt64, idempotencyKey: WireIdempotencyKey = .none) {
        self.id = id
        self.idempotencyKey = idempotencyKey
    }
}

public struct ExtendRequest: Hashable, Sendable {
    public var hold: UInt64
    public var holdMilliseconds: UInt32
    public var idempotencyKey: WireIdempotencyKey

    public init(hold: UInt64, holdMilliseconds: UInt32, idempotencyKey: WireIdempotencyKey = .none) {
        self.hold = hold
        self.holdMilliseconds = holdMilliseconds
        self.idempotencyKey = idempotencyKey
    }
}

public struct CreateShowRequest: Hashable, Sendable {
    public var layout: UInt32
    public var seatsPerHoldMax: UInt16
    public var holdLifetimeSeconds: UInt32
    public var forbidsSingleSeatGaps: Bool
    /// Seats kept empty for distancing.
    public var distancing: [UInt32]

    public init(
        layout: UInt32,
        seatsPerHoldMax: UInt16,
        holdLifetimeSeconds: UInt32,
        forbidsSingleSeatGaps: Bool,
        distancing: [UInt32] = []
    ) {
        self.layout = layout
        self.seatsPerHoldMax = seatsPerHoldMax
        self.holdLifetimeSeconds = holdLifetimeSeconds
        self.forbidsSingleSeatGaps = forbidsSingleSeatGaps
        self.distancing = distancing
    }
}

/// BATCH: several operations in one frame, each answered in the reply.
public struct BatchRequest: Hashable, Sendable {
    /// Only holds may be all-or-nothing: if one fails, the server releases those it placed.
    public var isAtomic: Bool
    public var operations: [Request]

    public init(isAtomic: Bool, operations: [Request]) {
        self.isAtomic = isAtomic
        self.operations = operations
    }

    /// Opcodes a batch may carry, and those an atomic batch may carry.
    public static let allowedOpcodes: Set<Opcode> = [
        .hold, .holdBestAvailable, .confirm, .release, .extend, .cancelBooking, .reservation, .availability,
    ]
    public static let atomicOpcodes: Set<Opcode> = [.hold, .holdBestAvailable]
}
