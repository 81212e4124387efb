/// A dictionary with a named limit on its entries, for what an instance keeps in memory to spare
/// itself a read or a computation (caches, hints). Adding a key when full first drops the entries
/// the caller says are stale, and if that frees too little, starts over: everything is read or
/// computed again once, and no order of use is kept up on every lookup.
public struct BoundedDictionary<Key: Hashable, Value> {
    public let entriesMax: Int
    /// The room dropping the stale entries must free, else everything goes. Each look for stale
    /// entries scans them all under the caller's lock: freeing one or two would leave the next
    /// new keys each paying that scan again.
    public var roomFreedMin: Int { max(1, entriesMax / 4) }
    private var entries: [Key: Value] = [:]

    public init(entriesMax: Int) {
        precondition(entriesMax > 0, "a bounded dictionary needs room for one entry")
        self.entriesMax = entriesMax
    }

    public subscript(key: Key) -> Value? {
        entries[key]
    }

    public var count: Int { entries.count }

    /// Stores `value` under `key`. When `key` is new and the dictionary full, the entries for
    /// which `isStale` holds go first, then all of them if that freed less than ``roomFreedMin``.
    public mutating func set(_ value: Value, for key: Key, droppingWhenFull isStale: (Value) -> Bool = { _ in false }) {
        if entries.count >= entriesMax, entries[key] == nil {
            entries = entries.filter { !isStale($0.value) }
            if entries.count > entriesMax - roomFreedMin { entries.removeAll(keepingCapacity: true) }
        }
        entries[key] = value
    }

    @discardableResult
    public mutating func removeValue(forKey key: Key) -> Value? {
        entries.removeValue(forKey: key)
    }
}

extension BoundedDictionary: Sendable where Key: Sendable, Value: Sendable {}
