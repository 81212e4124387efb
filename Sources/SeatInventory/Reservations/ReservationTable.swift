import Synchronization

/// One shard's holds and bookings: a fixed number of slots allocated at start-up.
///
/// Every field of a slot is an atomic, so a thread that reads a slot it does not own (to judge a
/// stale id, or an extension before its compare-and-swap) never races in the memory-model sense;
/// the state word decides who owns a slot. A booking keeps the slot of the hold it confirmed.
///
/// A slot's words sit together, so placing a hold touches one or two cache lines, not one per
/// field:
///
/// ```
/// +--------+-------------------+--------------+---------------------------------+
/// | state  | show 32 | count 32| lifetime cap | seat indices, two per word ...  |
/// +--------+-------------------+--------------+---------------------------------+
///  word 0   word 1              word 2         words 3 ..< 3 + wordsPerSlot
/// ```
///
/// Which slots are free to claim is kept apart, in a ``FreeSlotIndex``: a slot enters it when
/// its state word becomes claimable (``complete(_:as:)``) and leaves it when a claim takes it.
/// A bitmap of held slots lets the expiry sweep visit holds alone: reading every slot's state
/// word, one cache line apart, cost 12 ms of an event loop four times a second at eight shards
/// of 131,072 slots, with nothing held.
struct ReservationTable: Sendable {
    let shard: Int
    let capacity: Int
    let seatsPerSlot: Int
    /// Seat words per slot: two 32-bit seat indices per word.
    let wordsPerSlot: Int
    /// Words per slot: state, header, lifetime cap, then the seats.
    let stride: Int
    private let words: AtomicWords
    private static let stateOffset = 0
    /// The show id in the high 32 bits, the seat count in the low 32.
    private static let headerOffset = 1
    /// The latest deadline a hold may be extended to: its creation plus the show's lifetime.
    private static let lifetimeCapOffset = 2
    private static let seatsOffset = 3
    private let freeSlots: FreeSlotIndex
    /// One bit per slot, set while it holds a hold; changed only by the slot's busy owner.
    private let heldSlots: AtomicWords
    /// One bit per slot whose next claim skips ``InventoryLimits/generationsSkippedAfterLoss``
    /// generations, because ids past its current one may have been handed out and lost
    /// (``InventoryImage/Slot/skipsGenerations``); changed only by the slot's claimant.
    private let generationSkips: AtomicWords
    /// 1 while a thread sweeps the table for expired holds.
    private let sweeping = AtomicWords(count: 1)

    init(shard: Int, capacity: Int, seatsPerSlot: Int) {
        self.shard = shard
        self.capacity = capacity
        self.seatsPerSlot = seatsPerSlot
        wordsPerSlot = (seatsPerSlot + 1) / 2
        stride = Self.seatsOffset + wordsPerSlot
        words = AtomicWords(count: capacity * stride)
        freeSlots = FreeSlotIndex(capacity: capacity)
        heldSlots = AtomicWords(count: (capacity + 63) / 64)
        generationSkips = AtomicWords(count: (capacity + 63) / 64)
    }

    /// Frees the table; called once, by the engine's `deinit`.
    func deallocate() {
        words.deallocate()
        freeSlots.deallocate()
        heldSlots.deallocate()
        generationSkips.deallocate()
        sweeping.deallocate()
    }

    /// Claims the right to sweep the table; false when another thread is sweeping it.
    func beginSweep() -> Bool { sweeping.compareExchange(0, expected: 0, desired: 1).exchanged }

    func endSweep() { sweeping.storeReleasing(0, 0) }

    func state(_ slot: Int) -> ReservationState {
        ReservationState(raw: words.loadAcquiring(slot * stride + Self.stateOffset))
    }

    /// Moves the slot from `expected` to `desired`; false when another transition came first.
    func transition(_ slot: Int, from expected: ReservationState, to desired: ReservationState) -> Bool {
        words.compareExchange(slot * stride + Self.stateOffset, expected: expected.raw, desired: desired.raw).exchanged
    }

    /// Publishes a transition the caller already owns (the slot is busy and theirs); a slot
    /// left claimable goes back to the free slots.
    func complete(_ slot: Int, as state: ReservationState) {
        // Before the state word: until it is stored, no other thread may touch the slot, so its
        // held bit always settles to what the slot ends up as.
        markHeld(slot, state.phase == .held)
        words.storeReleasing(slot * stride + Self.stateOffset, state.raw)
        if state.isClaimable { freeSlots.put(slot) }
    }

    private func markHeld(_ slot: Int, _ isHeld: Bool) {
        let word = slot / 64
        let bit: UInt64 = 1 << UInt64(slot % 64)
        let marked = heldSlots.load(word) & bit != 0
        if isHeld, !marked { heldSlots.setBits(word, bit) }
        if !isHeld, marked { heldSlots.clearBits(word, bit) }
    }

    /// Calls `body` with each slot marked held, in order; a hold placed meanwhile may be missed.
    func forEachHeldSlot(_ body: (Int) -> Void) {
        for word in 0..<heldSlots.count {
            var marks = heldSlots.loadAcquiring(word)
            while marks != 0 {
                body(word * 64 + marks.trailingZeroBitCount)
                marks &= marks - 1
            }
        }
    }

    /// Whether the slot's held bit is set and whether the free index has it, for
    /// ``InventoryEngine/invariantViolations()``: each must agree with the state word.
    func indexEntries(_ slot: Int) -> (isMarkedHeld: Bool, isFree: Bool) {
        (heldSlots.loadAcquiring(slot / 64) & 1 << UInt64(slot % 64) != 0, freeSlots.isFree(slot))
    }

    /// Where the round-robin claims stand (``FreeSlotIndex/claimCursor``); set only while no
    /// other thread uses the table.
    var claimCursor: Int {
        get { freeSlots.claimCursor }
        nonmutating set { freeSlots.claimCursor = newValue }
    }

    /// Claims a free slot for a new hold, busy and with a new generation, or nil when all
    /// `capacity` slots hold live holds or bookings.
    func claim() -> ReservationID? {
        guard let slot = freeSlots.take() else { return nil }
        // Taking the slot from the index made it ours alone: a plain store publishes the claim.
        let current = state(slot)
        precondition(current.isClaimable, "free slot \(shard)/\(slot) is \(current.phase)")
        let skips = skipsGenerations(slot)
        let step = skips ? InventoryLimits.generationsSkippedAfterLoss : 1
        let generation = (current.generation &+ step) & ReservationState.generationMask
        words.storeReleasing(
            slot * stride + Self.stateOffset,
            ReservationState(generation: generation, phase: .held, isBusy: true, deadline: 0).raw)
        // After the new state word: a capture that sees the mark gone rereads the state word
        // and finds it moved, so no image has the old generation without its skip.
        if skips { generationSkips.clearBits(slot / 64, 1 << UInt64(slot % 64)) }
        return ReservationID(shard: shard, slot: slot, generation: generation)
    }

    private func skipsGenerations(_ slot: Int) -> Bool {
        generationSkips.loadAcquiring(slot / 64) & 1 << UInt64(slot % 64) != 0
    }

    /// Fills a claimed slot and makes the hold visible.
    func publishHold(
        _ id: ReservationID, show: ShowID, seats sortedSeats: Span<UInt32>,
        deadline: UInt64, lifetimeCap: UInt64
    ) {
        writeDetails(id.slot, show: show, seats: sortedSeats, lifetimeCap: lifetimeCap)
        complete(id.slot, as: ReservationState(generation: id.generation, phase: .held, isBusy: false, deadline: deadline))
    }

    /// Writes what a slot holds; the state word, written after, publishes it.
    private func writeDetails(_ slot: Int, show: ShowID, seats: Span<UInt32>, lifetimeCap: UInt64) {
        let base = slot * stride
        var pair = 0
        while pair * 2 < seats.count {
            let second = pair * 2 + 1 < seats.count ? UInt64(seats[pair * 2 + 1]) : 0
            words.store(base + Self.seatsOffset + pair, UInt64(seats[pair * 2]) | second << 32)
            pair += 1
        }
        words.store(base + Self.headerOffset, UInt64(show.rawValue) << 32 | UInt64(seats.count))
        words.store(base + Self.lifetimeCapOffset, lifetimeCap)
    }

    /// The slot as one consistent picture, while other threads may be changing it: waits out a
    /// busy slot (its owner is a few atomic operations from done) and rereads when the state
    /// word moved while the details were copied.
    func capture(_ slot: Int) -> InventoryImage.Slot {
        while true {
            let state = state(slot)
            guard !state.isBusy else { continue }
            let phase = InventoryImage.Slot.Phase(rawValue: UInt8(state.phase.rawValue)) ?? .vacant
            var captured = InventoryImage.Slot.vacant
            captured.generation = state.generation
            captured.phase = phase
            captured.deadline = Timestamp(milliseconds: state.deadline)
            captured.skipsGenerations = skipsGenerations(slot)
            if captured.isLive {
                var buffer = SeatBuffer(repeating: 0)
                let count = copySeats(slot, into: &buffer)
                captured.seats = (0..<count).map { buffer[$0] }
                captured.show = show(slot)
                captured.lifetimeCap = Timestamp(milliseconds: lifetimeCap(slot))
            }
            if self.state(slot) == state { return captured }
        }
    }

    /// Writes a slot from an image; only while no other thread uses the table.
    func restore(_ slot: Int, _ image: InventoryImage.Slot) {
        writeDetails(slot, show: image.show, seats: image.seats.span, lifetimeCap: image.lifetimeCap.milliseconds)
        let phase = ReservationState.Phase(rawValue: UInt64(image.phase.rawValue)) ?? .vacant
        let state = ReservationState(
            generation: image.generation, phase: phase, isBusy: false, deadline: image.deadline.milliseconds)
        if !state.isClaimable { freeSlots.remove(slot) }
        if image.skipsGenerations { generationSkips.setBits(slot / 64, 1 << UInt64(slot % 64)) }
        complete(slot, as: state)
    }

    /// Gives back a claimed slot whose hold was refused; it was never visible.
    func abandon(_ id: ReservationID) {
        complete(id.slot, as: ReservationState(generation: id.generation, phase: .vacant, isBusy: false, deadline: 0))
    }

    func show(_ slot: Int) -> ShowID {
        ShowID(rawValue: UInt32(truncatingIfNeeded: words.load(slot * stride + Self.headerOffset) >> 32))
    }

    func lifetimeCap(_ slot: Int) -> UInt64 { words.load(slot * stride + Self.lifetimeCapOffset) }

    /// Copies the slot's seats into `buffer`; returns how many.
    func copySeats(_ slot: Int, into buffer: inout SeatBuffer) -> Int {
        let base = slot * stride
        let count = min(Int(UInt32(truncatingIfNeeded: words.load(base + Self.headerOffset))), seatsPerSlot)
        for offset in 0..<count {
            let pair = words.load(base + Self.seatsOffset + offset / 2)
            buffer[offset] = UInt32(truncatingIfNeeded: offset % 2 == 0 ? pair : pair >> 32)
        }
        return count
    }
}
