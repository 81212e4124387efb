extension InventoryEngine {
    /// The engine's state, captured while operations may continue.
    ///
    /// Each slot is captured consistently, but slots are captured one after another, so the
    /// image as a whole is *fuzzy*: it reflects every change logged before the capture began,
    /// and some logged during it. Replaying the log from the LSN at which the capture began
    /// makes it exact (see ``InventoryImage``). O(shows + reservation slots).
    public func image() -> InventoryImage {
        let showImages = shows.ids.map { id in
            guard let show = try? shows.show(id).takeUnretainedValue() else {
                preconditionFailure("\(id) is listed but missing")
            }
            return InventoryImage.Show(
                layout: show.layout, rules: show.rules, isCancelled: show.isCancelled.load(ordering: .acquiring),
                changeSequence: show.changeSequence.load(ordering: .relaxed))
        }
        let slots = shards.map { table in (0..<table.capacity).map { table.capture($0) } }
        return InventoryImage(
            shows: showImages, shards: slots, idempotency: ledger.entries(), claimCursors: shards.map(\.claimCursor))
    }

    /// Fills a new engine from an image and rebuilds every show's seat bitmaps from its
    /// reservations, checking that no seat is claimed twice. Logs nothing: the image is the
    /// log's own past. Only before the engine is shared with other threads, and only once.
    public func load(_ image: InventoryImage) throws(ImageError) {
        precondition(shows.ids.isEmpty, "load(_:) fills a new engine")
        let configuredSlots = configuration.reservationsPerShard
        guard image.shards.count == shards.count, image.shards.allSatisfy({ $0.count == configuredSlots }) else {
            throw .shapeMismatch(
                imageShards: image.shards.count, imageSlots: image.shards.first?.count ?? 0,
                configuredShards: shards.count, configuredSlots: configuredSlots)
        }
        for (index, saved) in image.shows.enumerated() {
            let id = ShowID(rawValue: UInt32(index))
            let show: ShowInventory
            do {
                try validate(saved.rules, on: saved.layout)
                show = try shows.add { id in ShowInventory(id: id, layout: saved.layout, rules: saved.rules) }
            } catch {
                throw .invalidShow(id, error.description)
            }
            show.isCancelled.store(saved.isCancelled, ordering: .relaxed)
            show.changeSequence.store(saved.changeSequence, ordering: .relaxed)
        }
        for (shard, slots) in image.shards.enumerated() {
            let table = shards[shard]
            for (slot, saved) in slots.enumerated() where saved != .vacant {
                try restore(saved, at: slot, in: table)
            }
        }
        for (table, cursor) in zip(shards, image.claimCursors) { table.claimCursor = cursor }
        ledger.restore(image.idempotency)
    }

    private func restore(_ saved: InventoryImage.Slot, at slot: Int, in table: ReservationTable) throws(ImageError) {
        func invalid(_ reason: String) -> ImageError { .invalidSlot(shard: table.shard, slot: slot, reason) }
        guard saved.generation <= ReservationState.generationMask else { throw invalid("generation \(saved.generation) is too large") }
        guard saved.isLive else {
            table.restore(slot, saved)
            return
        }
        guard let show = try? shows.show(saved.show).takeUnretainedValue() else { throw invalid("names unknown \(saved.show)") }
        guard !saved.seats.isEmpty, saved.seats.count <= table.seatsPerSlot else {
            throw invalid("holds \(saved.seats.count) seats; 1...\(table.seatsPerSlot) allowed")
        }
        for index in saved.seats.indices {
            guard Int(saved.seats[index]) < show.seatCount else { throw invalid("seat #\(saved.seats[index]) is beyond the layout") }
            guard index == 0 || saved.seats[index - 1] < saved.seats[index] else { throw invalid("seats are not sorted and unique") }
        }
        let seats = saved.seats.span
        if let taken = show.take(seats) {
            throw .seatClaimedTwice(saved.show, seat: UInt32(taken), shard: table.shard, slot: slot)
        }
        if saved.phase == .booked { show.sold.setOwned(seats) }
        table.restore(slot, saved)
    }
}
