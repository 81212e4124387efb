extension InventoryEngine {
    /// Expires every hold whose deadline is at or before `now`, freeing its seats; returns how
    /// many it expired.
    ///
    /// The host calls this periodically; operations on a hold also expire it when they find it
    /// late, so a seat is never sold from an expired hold. A shard that another thread is
    /// sweeping is left to that thread. O(holds + slots / 64): the sweep reads a bitmap of held
    /// slots and the state words of those alone, which costs less than keeping a deadline
    /// index on every hold.
    @discardableResult
    public func expireHolds(at now: Timestamp) -> Int {
        var expired = 0
        for table in shards where table.beginSweep() {
            table.forEachHeldSlot { slot in
                var state = table.state(slot)
                while state.phase == .held, !state.isBusy, state.deadline <= now.milliseconds {
                    if end(table, slot, from: state, as: .expired) {
                        expired += 1
                        break
                    }
                    state = table.state(slot)
                }
            }
            table.endSweep()
        }
        return expired
    }
}
