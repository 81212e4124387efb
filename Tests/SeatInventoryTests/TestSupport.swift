import SeatInventory
import SeatSamples
import SeatTestSupport
import Testing

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
