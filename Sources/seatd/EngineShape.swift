import ArgumentParser
import SeatInventory

/// The engine's fixed sizes. A data directory is bound to them: `serve` refuses one written
/// under another shape, and `restore` must be given the shape the bookings were made under.
struct EngineShape: ParsableArguments {
    @Option(help: "Engine shards (each owns a reservation table).")
    var shards = 8

    @Option(help: "Holds and bookings each shard can keep.")
    var reservationsPerShard = 131_072

    @Option(help: "Shows the engine can keep.")
    var showsMax = 65_536

    var configuration: InventoryConfiguration {
        InventoryConfiguration(shardCount: shards, reservationsPerShard: reservationsPerShard, showsMax: showsMax)
    }
}
