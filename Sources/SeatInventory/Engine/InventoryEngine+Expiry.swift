extension InventoryEngine {
    /// Expires every hold whose deadline is at or before `now`, freeing its seats; returns how
    /// many it expired.
    ///
    /// The host calls this periodically (operations on a hold also expire it when they find it
    /// late, so a seat is never sold from an expired hold). A shard is skipped until its
    /// earliest deadline, and a shard another thread is sweeping is left to that thread.
    /// O(reservations per shard) for each shard that is due.
    @discardableResult
    public func expireHolds(at now: Timestamp) -> Int {
        var expired = 0
        for table in shards {
            guard now.milliseconds >= table.earliestDeadline.loadAcquiring(0),
                !table.isSweeping.exchange(true, ordering: .acquiring)
            else { continue }
            // Reset the watermark before scanning: a hold published during the scan lowers it
            // again itself, and the exchange makes every hold published before it visible to
            // the scan, so no deadline is lost.
            _ = table.earliestDeadline.exchange(0, .max)
            var nextDeadline = UInt64.max
            for slot in 0..<table.capacity {
                var state = table.state(slot)
                while state.phase == .held, !state.isBusy {
                    guard state.deadline <= now.milliseconds else {
                        nextDeadline = min(nextDeadline, state.deadline)
                        break
                    }
                    if end(table, slot, from: state, as: .expired) {
                        expired += 1
                        break
                    }
                    state = table.state(slot)
                }
            }
            table.earliestDeadline.lowerToMinimum(0, nextDeadline)
            table.isSweeping.store(false, ordering: .releasing)
        }
        return expired
    }
}
