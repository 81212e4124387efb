import Synchronization

/// Every show of the engine, by dense id, in a table allocated at start-up.
///
/// Shows are found without a lock: each slot is an atomic word holding a reference's bit
/// pattern, published once (0 until then). The table holds a strong reference to every show
/// until it is deinitialized, so operations may use a show unretained.
final class ShowTable: Sendable {
    let capacity: Int
    private let slots: AtomicWords
    /// Serializes show creation only; lookups never take it.
    private let nextID = Mutex<UInt32>(0)

    init(capacity: Int) {
        self.capacity = capacity
        slots = AtomicWords(count: capacity)
    }

    deinit {
        for index in 0..<slots.count {
            slots.reference(index, as: ShowInventory.self)?.release()
        }
        slots.deallocate()
    }

    /// Creates the next show, or throws when `capacity` shows exist already.
    func add(_ makeShow: (ShowID) -> ShowInventory) throws(ShowCreationError) -> ShowInventory {
        let created: ShowInventory? = nextID.withLock { next in
            guard Int(next) < capacity else { return nil }
            let show = makeShow(ShowID(rawValue: next))
            slots.storeReleasing(Int(next), AtomicWords.bits(of: Unmanaged.passRetained(show)))
            next += 1
            return show
        }
        guard let created else { throw .showTableFull(capacity: capacity) }
        return created
    }

    /// The show, unretained: it lives as long as the table.
    func show(_ id: ShowID) throws(InventoryError) -> Unmanaged<ShowInventory> {
        guard Int(id.rawValue) < capacity, let show = slots.reference(Int(id.rawValue), as: ShowInventory.self) else {
            throw .unknownShow(id)
        }
        return show
    }

    /// The ids of every show created so far.
    var ids: [ShowID] {
        let count = nextID.withLock { $0 }
        return (0..<count).map { ShowID(rawValue: $0) }
    }
}
