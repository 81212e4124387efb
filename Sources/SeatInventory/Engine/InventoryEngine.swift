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
    /// Told of every seat change after it is visible; feeds subscribers.
    let observer: (any SeatChangeObserver)?
    /// Told of every change before it is visible; the journal.
    let changeLog: (any InventoryChangeLog)?
    /// What each shard did (``InventoryActivity``): a cache line of counters per shard, so
    /// threads working on different shards never write the same line.
    let activity: AtomicWords
    static let activityWordsPerShard = 8

    /// Allocates every table of `configuration` up front. Without an observer or a change log,
    /// seat changes are not numbered at all.
    public init(
        configuration: InventoryConfiguration,
        observer: (any SeatChangeObserver)? = nil,
        changeLog: (any InventoryChangeLog)? = nil
    ) throws(ConfigurationError) {
        try configuration.validate()
        self.configuration = configuration
        self.observer = observer
        self.changeLog = changeLog
        shows = ShowTable(capacity: configuration.showsMax)
        shards = (0..<configuration.shardCount).map { shard in
            ReservationTable(
                shard: shard, capacity: configuration.reservationsPerShard,
                seatsPerSlot: configuration.seatsPerReservationMax)
        }
        ledger = IdempotencyLedger(keysMax: configuration.idempotencyKeysMax, window: configuration.idempotencyWindow)
        activity = AtomicWords(count: configuration.shardCount * Self.activityWordsPerShard)
    }

    deinit {
        for table in shards { table.deallocate() }
        activity.deallocate()
    }

    /// How many times `kind` happened since the engine started: each change once, whatever
    /// repeated its request (an idempotent repeat changes nothing and is not counted).
    public func count(of kind: InventoryActivity) -> Int {
        (0..<shards.count).reduce(0) { sum, shard in sum + Int(activity.load(shard * Self.activityWordsPerShard + kind.rawValue)) }
    }

    func record(_ kind: InventoryActivity, shard: Int) {
        _ = activity.fetchIncrement(shard * Self.activityWordsPerShard + kind.rawValue)
    }

    /// Creates a show on `layout`; all its seats start free except those the layout blocks and
    /// the rules' distancing mask keeps empty.
    public func createShow(layout: SeatLayout, rules: ShowRules = ShowRules()) throws(ShowCreationError) -> ShowID {
        do {
            try changeLog?.admitChange()
        } catch {
            throw .changeLogUnavailable(error.description)
        }
        try validate(rules, on: layout)
        return try shows.add { id in
            changeLog?.logShowCreated(id, layout: layout, rules: rules)
            return ShowInventory(id: id, layout: layout, rules: rules)
        }.id
    }

    func validate(_ rules: ShowRules, on layout: SeatLayout) throws(ShowCreationError) {
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
    }

    /// Stops all sales of a show: new holds and confirmations are refused. Existing bookings
    /// stay, so the box office can see whom to refund.
    public func cancelShow(_ id: ShowID) throws(InventoryError) {
        try changeLog?.admitChange()
        unowned(unsafe) let show = try shows.show(id).takeUnretainedValue()
        // Logged first: every hold refused for the cancellation then comes after it in the log.
        changeLog?.logShowCancelled(id)
        show.isCancelled.store(true, ordering: .releasing)
        show.mapChanged()
    }

    /// The ids of every show created so far, cancelled ones included.
    public var showIDs: [ShowID] { shows.ids }

    /// The layout of a show.
    public func layout(of id: ShowID) throws(InventoryError) -> SeatLayout {
        try shows.show(id).takeUnretainedValue().layout
    }

    /// The sales rules of a show.
    public func rules(of id: ShowID) throws(InventoryError) -> ShowRules {
        try shows.show(id).takeUnretainedValue().rules
    }

    /// The show's next change number, drawn while the caller owns the seats it changes (see
    /// ``SeatChange``); 0 when nobody observes or logs.
    func drawChangeNumber(_ show: ShowInventory) -> UInt64 {
        guard observer != nil || changeLog != nil else { return 0 }
        // Relaxed is enough: the seat words' release and acquire order two changes of one seat,
        // and so the draws made on either side of them.
        return show.changeSequence.add(1, ordering: .relaxed).newValue
    }

    /// Tells the observer of a change whose number `sequence` was drawn and whose effect is now visible.
    func report(_ kind: SeatChange.Kind, _ show: ShowID, _ sequence: UInt64, _ reservation: ReservationID, seats: Span<UInt32>) {
        observer?.seatsChanged(SeatChange(kind: kind, show: show, sequence: sequence, reservation: reservation), seats: seats)
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
}
/// Room for the seats of one hold on the stack: operations pass seat lists as spans of it, so
/// the hot path allocates nothing and takes no closure.
typealias SeatBuffer = InlineArray<64, UInt32>

/// Copies `seats` into `buffer` sorted ascending, after checking that there is at least one, no
/// more than `limit`, each below `seatCount`, and none twice; returns how many.
func sortSeats(
    _ seats: some RandomAccessCollection<UInt32>,
    seatCount: Int,
    limit: Int,
    into buffer: inout SeatBuffer
) throws(InventoryError) -> Int {
    guard !seats.isEmpty else { throw .noSeatsRequested }
    guard seats.count <= limit else { throw .ruleViolated(.seatsPerHold, seat: nil) }
    if let unknown = seats.first(where: { Int($0) >= seatCount }) { throw .unknownSeat(SeatIndex(unknown)) }
    // Insertion sort: holds are a handful of seats, and it allocates nothing.
    for (position, seat) in seats.enumerated() {
        var position = position
        while position > 0, buffer[position - 1] > seat {
            buffer[position] = buffer[position - 1]
            position -= 1
        }
        buffer[position] = seat
    }
    for index in 1..<seats.count where buffer[index] == buffer[index - 1] {
        throw .duplicateSeat(SeatIndex(buffer[index]))
    }
    return seats.count
}
