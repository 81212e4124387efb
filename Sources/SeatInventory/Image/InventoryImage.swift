/// The engine's whole state as plain values: what a snapshot stores, what journal records are
/// applied to during recovery, and what a fresh engine is loaded from.
///
/// Seat bitmaps are not part of it: a seat is taken exactly when it is unsellable or belongs to
/// a live reservation, so ``InventoryEngine/load(_:)`` rebuilds them from the slots.
///
/// Applying a change *sets* a slot to what the change left behind, keyed by the slot's
/// generation, so applying a record twice, or a record the image already reflects, changes
/// nothing: a snapshot taken while traffic continues is made exact by replaying the journal
/// from the LSN at which the capture began.
public struct InventoryImage: Sendable {
    public struct Show: Sendable {
        public var layout: SeatLayout
        public var rules: ShowRules
        public var isCancelled: Bool
        /// The last change number drawn (see ``SeatChange/sequence``).
        public var changeSequence: UInt64

        public init(layout: SeatLayout, rules: ShowRules, isCancelled: Bool = false, changeSequence: UInt64 = 0) {
            self.layout = layout
            self.rules = rules
            self.isCancelled = isCancelled
            self.changeSequence = changeSequence
        }
    }

    /// One reservation slot: its generation and phase always (the generation fences ids handed
    /// out before), and while held or booked its show, seats, deadline and lifetime cap.
    public struct Slot: Hashable, Sendable {
        public enum Phase: UInt8, Hashable, Sendable, CaseIterable {
            case vacant, held, booked, released, expired, cancelled
        }

        public var generation: UInt32
        public var phase: Phase
        public var show: ShowID
        /// Sorted and unique.
        public var seats: [UInt32]
        public var deadline: Timestamp
        public var lifetimeCap: Timestamp
        /// Whether the slot's next claim skips ``InventoryLimits/generationsSkippedAfterLoss``
        /// generations: set where the slot's recent past may be lost, so ids it may have handed
        /// out then are never handed out again. A live slot keeps its generation (its id is
        /// valid) and skips when it is next reused.
        public var skipsGenerations = false

        public static let vacant = Slot(
            generation: 0, phase: .vacant, show: ShowID(rawValue: 0), seats: [], deadline: Timestamp(milliseconds: 0),
            lifetimeCap: Timestamp(milliseconds: 0))

        public init(
            generation: UInt32, phase: Phase, show: ShowID, seats: [UInt32], deadline: Timestamp, lifetimeCap: Timestamp
        ) {
            self.generation = generation
            self.phase = phase
            self.show = show
            self.seats = seats
            self.deadline = deadline
            self.lifetimeCap = lifetimeCap
        }

        public var isLive: Bool { phase == .held || phase == .booked }
    }

    public var shows: [Show] = []
    /// Every slot of every shard, `shards[shard][slot]`.
    public var shards: [[Slot]]
    /// Remembered idempotent requests, oldest first within each stripe of the ledger; loading
    /// forgets the oldest beyond the engine's ``InventoryConfiguration/idempotencyKeysMax``.
    public var idempotency: [IdempotencyEntry] = []
    /// Per shard, the slot its next claim looks at first: just past the last hold placed.
    public var claimCursors: [Int]

    /// An empty image shaped like an engine of `configuration`.
    public init(configuration: InventoryConfiguration) {
        shards = Array(
            repeating: Array(repeating: .vacant, count: configuration.reservationsPerShard), count: configuration.shardCount)
        claimCursors = Array(repeating: 0, count: configuration.shardCount)
    }

    public init(shows: [Show], shards: [[Slot]], idempotency: [IdempotencyEntry] = [], claimCursors: [Int]? = nil) {
        self.shows = shows
        self.shards = shards
        self.idempotency = idempotency
        self.claimCursors = claimCursors ?? Array(repeating: 0, count: shards.count)
    }

    /// Adds a remembered request from the journal. Replay may add more than any engine keeps
    /// (every record since the snapshot): past `keysMax` twice over, the older half goes, so
    /// the image stays within a bound and loading still finds the newest `keysMax`.
    public mutating func rememberIdempotent(_ entry: IdempotencyEntry, keysMax: Int) {
        idempotency.append(entry)
        if idempotency.count > 2 * keysMax { idempotency.removeFirst(idempotency.count - keysMax) }
    }

    /// Adds show `id`, which must be the next one; an id the image has already is skipped.
    public mutating func addShow(_ id: ShowID, _ show: Show) throws(ImageError) {
        guard Int(id.rawValue) >= shows.count else { return }
        guard Int(id.rawValue) == shows.count else { throw .showOutOfOrder(id, expected: ShowID(rawValue: UInt32(shows.count))) }
        shows.append(show)
    }

    public mutating func cancelShow(_ id: ShowID) throws(ImageError) {
        guard Int(id.rawValue) < shows.count else { throw .unknownShow(id) }
        shows[Int(id.rawValue)].isCancelled = true
    }

    /// Applies a hold: its slot now holds `seats` for `change.show` until `deadline`. False
    /// when the slot has moved on to a later generation already (the image is ahead).
    @discardableResult
    public mutating func applyHold(
        _ change: SeatChange, seats: [UInt32], deadline: Timestamp, lifetimeCap: Timestamp
    ) throws(ImageError) -> Bool {
        let reservation = change.reservation
        try checkSlot(reservation)
        guard Int(change.show.rawValue) < shows.count else { throw .unknownShow(change.show) }
        let current = shards[reservation.shard][reservation.slot]
        if current.generation == reservation.generation {
            // Already placed (a repeat) or already ended: the image is ahead of this record.
            guard current.phase == .vacant || current.phase == .held else { return false }
        } else if current.isLive {
            return false  // another generation lives in the slot
        }
        let slot = reservation.slot
        shards[reservation.shard][slot] = Slot(
            generation: reservation.generation, phase: .held, show: change.show, seats: seats, deadline: deadline,
            lifetimeCap: lifetimeCap)
        claimCursors[reservation.shard] = (slot + 1) % shards[reservation.shard].count
        noteSequence(change)
        return true
    }

    /// Applies a confirmation, release, expiry or cancellation of the slot's current
    /// generation; false when the slot is at another generation or already past this change.
    @discardableResult
    public mutating func applyEnding(_ change: SeatChange) throws(ImageError) -> Bool {
        let reservation = change.reservation
        try checkSlot(reservation)
        var slot = shards[reservation.shard][reservation.slot]
        guard slot.generation == reservation.generation else { return false }
        let expected: Slot.Phase = change.kind == .cancelled ? .booked : .held
        guard slot.phase == expected else { return false }
        switch change.kind {
        case .held: preconditionFailure("a hold is applied with applyHold")
        case .confirmed: slot.phase = .booked
        case .released: slot.phase = .released
        case .expired: slot.phase = .expired
        case .cancelled: slot.phase = .cancelled
        }
        shards[reservation.shard][reservation.slot] = slot
        noteSequence(change)
        return true
    }

    /// Moves a held slot's deadline later; false when the hold is no longer live.
    @discardableResult
    public mutating func applyExtension(_ hold: HoldID, deadline: Timestamp) throws(ImageError) -> Bool {
        let reservation = hold.reservation
        try checkSlot(reservation)
        let slot = shards[reservation.shard][reservation.slot]
        guard slot.generation == reservation.generation, slot.phase == .held else { return false }
        shards[reservation.shard][reservation.slot].deadline = max(slot.deadline, deadline)
        return true
    }

    private mutating func noteSequence(_ change: SeatChange) {
        let show = Int(change.show.rawValue)
        guard show < shows.count else { return }
        shows[show].changeSequence = max(shows[show].changeSequence, change.sequence)
    }

    private func checkSlot(_ reservation: ReservationID) throws(ImageError) {
        guard reservation.shard < shards.count, reservation.slot < shards[reservation.shard].count else {
            throw .slotOutOfRange(shard: reservation.shard, slot: reservation.slot)
        }
    }

    /// Marks every slot to skip generations at its next claim: after recovery that may have
    /// lost records a client saw (a cut journal tail), or a restore from a record that ends
    /// before the state did. O(reservation slots).
    public mutating func skipGenerationsOfEverySlot() {
        for shard in shards.indices {
            for slot in shards[shard].indices { shards[shard][slot].skipsGenerations = true }
        }
    }

    /// Holds and bookings in the image.
    public var liveReservations: Int {
        shards.reduce(0) { total, slots in total + slots.count(where: \.isLive) }
    }
}

/// Why an image cannot be built or loaded: the journal or snapshot does not describe a state
/// this engine could have been in.
public enum ImageError: Error, Hashable, Sendable, CustomStringConvertible {
    case unknownShow(ShowID)
    case showOutOfOrder(ShowID, expected: ShowID)
    case slotOutOfRange(shard: Int, slot: Int)
    /// The image's shards or slots per shard differ from the engine's configuration.
    case shapeMismatch(imageShards: Int, imageSlots: Int, configuredShards: Int, configuredSlots: Int)
    case invalidShow(ShowID, String)
    case invalidSlot(shard: Int, slot: Int, String)
    /// Two live reservations, or a reservation and the layout, claim the same seat.
    case seatClaimedTwice(ShowID, seat: UInt32, shard: Int, slot: Int)

    public var description: String {
        switch self {
        case .unknownShow(let show): "a change names unknown \(show)"
        case .showOutOfOrder(let show, let expected): "\(show) is created where \(expected) was expected"
        case .slotOutOfRange(let shard, let slot): "shard \(shard) slot \(slot) is outside the reservation tables"
        case .shapeMismatch(let shards, let slots, let configuredShards, let configuredSlots):
            "the saved state has \(shards) shards of \(slots) reservations, the engine is configured for "
                + "\(configuredShards) of \(configuredSlots): ids would change; start with the saved shape"
        case .invalidShow(let show, let reason): "\(show): \(reason)"
        case .invalidSlot(let shard, let slot, let reason): "shard \(shard) slot \(slot): \(reason)"
        case .seatClaimedTwice(let show, let seat, let shard, let slot):
            "seat #\(seat) of \(show) is claimed by shard \(shard) slot \(slot) and by another reservation or the layout"
        }
    }
}
