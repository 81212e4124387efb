#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import SeatInventory
import SeatSamples
import Testing

/// SplitMix64: a tiny, seedable generator, so a failing randomized run can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}

/// Seeds for randomized tests: a fixed set, plus `SEAT_TEST_SEED` to replay one, plus one fresh
/// seed per run (printed by every failing expectation).
func randomizedSeeds(fixed: Int) -> [UInt64] {
    if let replay = Environment.value("SEAT_TEST_SEED").flatMap(UInt64.init) { return [replay] }
    return (1...UInt64(fixed)).map { $0 &* 0x2545_F491_4F6C_DD1D } + [UInt64.random(in: 1...UInt64.max)]
}

enum Environment {
    static func value(_ name: String) -> String? {
        guard let pointer = getenv(name) else { return nil }
        return String(cString: pointer)
    }
}

enum Fixtures {
    static let cinema = try! SeatLayout(document: SampleVenues.cinema())
    static let stadium = try! SeatLayout(document: SampleVenues.stadium())

    static func engine(
        shards: Int = 2,
        reservationsPerShard: Int = 4096,
        seatsPerReservation: Int = 16,
        showsMax: Int = 64,
        idempotencyKeysMax: Int = 4096,
        idempotencyWindow: Duration = .seconds(60),
        observer: (any SeatChangeObserver)? = nil
    ) -> InventoryEngine {
        try! InventoryEngine(
            configuration: InventoryConfiguration(
                shardCount: shards, reservationsPerShard: reservationsPerShard,
                seatsPerReservationMax: seatsPerReservation, showsMax: showsMax,
                idempotencyKeysMax: idempotencyKeysMax, idempotencyWindow: idempotencyWindow),
            observer: observer)
    }

    static func seats(_ labels: String..., in layout: SeatLayout = cinema) -> [SeatIndex] {
        labels.map { layout.seat(labelled: $0)! }
    }
}

extension Timestamp {
    static func at(_ milliseconds: UInt64) -> Timestamp { Timestamp(milliseconds: milliseconds) }
}

/// Runs `body` and returns its refusal, or nil if it succeeded.
func refusal<Value>(_ body: () throws -> Value) -> InventoryError? {
    do {
        _ = try body()
        return nil
    } catch let error as InventoryError {
        return error
    } catch {
        Issue.record("expected an InventoryError, got \(error)")
        return nil
    }
}
