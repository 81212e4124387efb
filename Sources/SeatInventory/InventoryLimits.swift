/// Hard ceilings of the engine. Every structure that grows is bounded by one of these or by a
/// ``InventoryConfiguration`` value checked against them; exceeding one is an error, never a crash.
public enum InventoryLimits {
    /// Seats in one layout, and so in one show. A stadium of 100,000 seats fits ten times over.
    public static let seatsPerShowMax = 1 << 20
    /// Seats in one hold or booking; a show's own rule and the configuration may only lower it.
    /// Operations sort a hold's seats into a stack buffer (`SeatBuffer`) of exactly this size.
    public static let seatsPerHoldMax = 64
    /// Shards; the shard number travels in 8 bits of every hold and booking id.
    public static let shardsMax = 256
    /// Reservation slots (holds plus bookings) per shard; the slot number travels in 24 bits of an id.
    public static let reservationsPerShardMax = 1 << 24
    /// Generations of one reservation slot; the generation travels in 22 bits of an id and
    /// wraps around after this many reuses of the slot.
    public static let generationsPerSlot: UInt32 = 1 << 22
    /// Generations a slot skips at its next claim after its recent history may have been lost
    /// (a damaged journal tail, a restore from PostgreSQL): room for every hold that could have
    /// been handed out from the slot in the lost part, so none of their ids is issued again.
    /// A quarter of the generations, so a stale id still needs millions of reuses to match.
    public static let generationsSkippedAfterLoss: UInt32 = 1 << 20
    /// Idempotency keys one engine can remember (``InventoryConfiguration/idempotencyKeysMax``).
    public static let idempotencyKeysMax = 1 << 24
    /// Shows one engine can hold; show ids are dense indices into a table allocated at start-up.
    public static let showsMax = 1 << 22
    /// Price categories in one layout (a category index is one byte per seat).
    public static let categoriesPerLayoutMax = 64
    /// Sections in one layout.
    public static let sectionsPerLayoutMax = 256
    /// Rows in one layout.
    public static let rowsPerLayoutMax = 1 << 16
    /// UTF-8 bytes of any label or identifier in a layout (seat "H12", row "H", section "stalls").
    public static let labelBytesMax = 64
    /// Times best-available searches again after losing its chosen block to a concurrent hold.
    public static let bestAvailableAttemptsMax = 8
    /// Longest hold lifetime, extensions included. Deadlines are stored in 38 bits of milliseconds.
    public static let holdLifetimeMillisecondsMax: UInt64 = 24 * 60 * 60 * 1000
    /// Largest timestamp the engine accepts: deadlines are packed into 38 bits of milliseconds
    /// (about 8.7 years of the host's monotonic clock), leaving room for a full hold lifetime.
    public static let timestampMillisecondsMax: UInt64 = (1 << 38) - 1 - holdLifetimeMillisecondsMax
}
