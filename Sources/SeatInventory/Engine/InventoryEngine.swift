/// The seat inventory: shows, their seat bitmaps, and the holds and bookings on them.
///
/// Thread-safe and lock-free on the seat path: holds, confirmations, releases, extensions,
/// cancellations and expiry are compare-and-swap on seat words and reservation state words.
/// Shows are spread over shards by id; each shard owns a reservation table allocated at
/// start-up. The engine reads no clock: operations that observe time take `now`.
public final class InventoryEngine: Sendable {
    public let configuration: InventoryConfiguration
    let shows: ShowTable
    let shards: [ReservationTable]
    let ledger: IdempotencyLedger

    /// Allocates every table of `configuration` up front.
    public init(configuration: InventoryConfiguration) throws(ConfigurationError) {
        try configuration.validate()
        self.configuration = configuration
        shows = ShowTable(capacity: configuration.showsMax)
        shards = (0..<configuration.shardCount).map { shard in
            ReservationTable(
                shard: shard, capacity: configuration.reservationsPerShard,
                seatsPerSlot: configuration.seatsPerReservationMax)
        }
        ledger = IdempotencyLedger(keysMax: configuration.idempotencyKeysMax, window: configuration.idempotencyWindow)
    }

    deinit {
        for table in shards { table.deallocate() }
    }

    /// Creates a show on `layout`; all its seats start free except those the layout blocks and
    /// the rules' distancing mask keeps empty.
    public func createShow(layout: SeatLayout, rules: ShowRules = ShowRules()) throws(ShowCreationError) -> ShowID {
        let seatsPerHold = 1...configuration.seatsPerReservationMax
        guard seatsPerHold.contains(rules.seatsPerHoldMax) else {
            throw .seatsPerHoldOutOfRange(rules.seatsPerHoldMax, allowed: seatsPerHold)
        }
        let lifetime = rules.holdLifetimeMax.wholeMillisecondsRoundedUp
        guard (1...InventoryLimits.holdLifetimeMillisecondsMax).contains(lifetime) else {
            throw .holdLifetimeOutOfRange(milliseconds: lifetime, allowedMax: InventoryLimits.holdLifetimeMillisecondsMax)
        }
        if let unknown = rules.distancingMask.first(where: { $0.value >= layout.seatCount }) {
            throw .distancingSeatUnknown(unknown)
        }
        return try shows.add { id in ShowInventory(id: id, layout: layout, rules: rules) }.id
    }

    /// Stops all sales of a show: new holds and confirmations are refused. Existing bookings
    /// stay, so the box office can see whom to refund.
    public func cancelShow(_ id: ShowID) throws(InventoryError) {
        unowned(unsafe) let show = try shows.show(id).takeUnretainedValue()
        show.isCancelled.store(true, ordering: .releasing)
    }

    /// The ids of every show created so far, cancelled ones included.
    public var showIDs: [ShowID] { shows.ids }

    /// The layout of a show.
    public func layout(of id: ShowID) throws(InventoryError) -> SeatLayout {
        try shows.show(id).takeUnretainedValue().layout
    }

    func shard(of show: ShowID) -> ReservationTable {
        shards[Int(show.rawValue) % shards.count]
    }

    /// A show that is not cancelled, unretained (see ``ShowTable/show(_:)``).
    func liveShow(_ id: ShowID) throws(InventoryError) -> Unmanaged<ShowInventory> {
        let show = try shows.show(id)
        guard !show.takeUnretainedValue().isCancelled.load(ordering: .acquiring) else { throw .showCancelled(id) }
        return show
    }

    /// Runs `body` with the show and the seats of a reservation slot the caller owns.
    func withReservedSeats<Result>(
        _ table: ReservationTable,
        _ slot: Int,
        _ body: (ShowInventory, UnsafeBufferPointer<UInt32>) -> Result
    ) -> Result {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: table.seatsPerSlot) { buffer in
            let count = table.copySeats(slot, into: buffer)
            let seats = UnsafeBufferPointer(rebasing: buffer[0..<count])
            guard let show = try? shows.show(table.show(slot)) else {
                preconditionFailure("reservation \(table.shard)/\(slot) names an unknown show")
            }
            return body(show.takeUnretainedValue(), seats)
        }
    }
}

/// Runs `body` with `seats` sorted ascending in a temporary buffer, after checking that there is
/// at least one, no more than `limit`, each below `seatCount`, and none twice.
func withSortedSeats<Result>(
    _ seats: [SeatIndex],
    seatCount: Int,
    limit: Int,
    _ body: (UnsafeBufferPointer<UInt32>) throws(InventoryError) -> Result
) throws(InventoryError) -> Result {
    guard !seats.isEmpty else { throw .noSeatsRequested }
    guard seats.count <= limit else { throw .ruleViolated(.seatsPerHold, seat: nil) }
    if let unknown = seats.first(where: { $0.value >= seatCount }) { throw .unknownSeat(unknown) }
    let outcome: Swift.Result<Result, InventoryError> = withUnsafeTemporaryAllocation(
        of: UInt32.self, capacity: seats.count
    ) { buffer in
        for (index, seat) in seats.enumerated() {
            buffer[index] = seat.rawValue
        }
        // Insertion sort: holds are a handful of seats, and it allocates nothing.
        for index in 1..<buffer.count {
            let seat = buffer[index]
            var position = index
            while position > 0, buffer[position - 1] > seat {
                buffer[position] = buffer[position - 1]
                position -= 1
            }
            buffer[position] = seat
        }
        for index in 1..<buffer.count where buffer[index] == buffer[index - 1] {
            return .failure(.duplicateSeat(SeatIndex(buffer[index])))
        }
        do throws(InventoryError) {
            return .success(try body(UnsafeBufferPointer(buffer)))
        } catch {
            return .failure(error)
        }
    }
    return try outcome.get()
}
