/// Capacities of an engine, all allocated when it starts.
public struct InventoryConfiguration: Hashable, Sendable {
    /// Shards that shows are spread over; the host usually picks one per core.
    public var shardCount: Int
    /// Holds plus bookings one shard can keep; one more is refused with ``InventoryError/reservationTableFull(shard:capacity:)``.
    public var reservationsPerShard: Int
    /// Seats one hold or booking can take; shows may lower it, never raise it. A slot reserves
    /// this many seat entries, so it multiplies the table's memory.
    public var seatsPerReservationMax: Int
    /// Shows the engine can hold.
    public var showsMax: Int
    /// Idempotency keys remembered at once; the oldest is forgotten first when it is full.
    public var idempotencyKeysMax: Int
    /// How long an idempotency key is remembered at most.
    public var idempotencyWindow: Duration

    public init(
        shardCount: Int,
        reservationsPerShard: Int = 131_072,
        seatsPerReservationMax: Int = 32,
        showsMax: Int = 65_536,
        idempotencyKeysMax: Int = 262_144,
        idempotencyWindow: Duration = .seconds(15 * 60)
    ) {
        self.shardCount = shardCount
        self.reservationsPerShard = reservationsPerShard
        self.seatsPerReservationMax = seatsPerReservationMax
        self.showsMax = showsMax
        self.idempotencyKeysMax = idempotencyKeysMax
        self.idempotencyWindow = idempotencyWindow
    }

    /// Bytes the reservation tables take, allocated at start-up.
    public var reservationTableBytes: Int {
        shardCount * reservationsPerShard * 8 * (3 + (seatsPerReservationMax + 1) / 2)
    }

    func validate() throws(ConfigurationError) {
        try Self.check("shardCount", shardCount, 1...InventoryLimits.shardsMax)
        try Self.check("reservationsPerShard", reservationsPerShard, 1...InventoryLimits.reservationsPerShardMax)
        try Self.check("seatsPerReservationMax", seatsPerReservationMax, 1...InventoryLimits.seatsPerHoldMax)
        try Self.check("showsMax", showsMax, 1...InventoryLimits.showsMax)
        try Self.check("idempotencyKeysMax", idempotencyKeysMax, IdempotencyLedger.stripeCount...InventoryLimits.idempotencyKeysMax)
        let window = idempotencyWindow.wholeMillisecondsRoundedUp
        try Self.check("idempotencyWindow (ms)", Int(window), 1...Int(InventoryLimits.holdLifetimeMillisecondsMax))
    }

    private static func check(_ name: String, _ value: Int, _ allowed: ClosedRange<Int>) throws(ConfigurationError) {
        guard allowed.contains(value) else { throw ConfigurationError(setting: name, value: value, allowed: allowed) }
    }
}

/// A configuration value outside what the engine supports.
public struct ConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    public let setting: String
    public let value: Int
    public let allowed: ClosedRange<Int>

    public var description: String { "\(setting) = \(value) is outside \(allowed)" }
}
