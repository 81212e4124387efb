import SeatInventory
import SeatJournal

/// Rebuilds a server's state from PostgreSQL when its data directory is lost: layouts, shows,
/// and every active booking in the reservation slot it had, as of the last persisted LSN.
///
/// Holds are not in PostgreSQL and are not restored. Every slot without a booking restarts at
/// a generation well past any hold PostgreSQL has seen (``generationMargin``), and a booked
/// slot skips generations when it is next reused (``InventoryImage/Slot/skipsGenerations``):
/// so no hold id a client may still carry is handed out again.
public enum PostgresRestore {
    /// Generations skipped past the highest persisted one: room for the holds placed after the
    /// last persisted record, whose records were lost with the disk.
    public static let generationMargin: UInt32 = 1 << 20

    public struct Summary: Sendable, CustomStringConvertible {
        public let lsn: UInt64
        public let layouts: Int
        public let shows: Int
        public let bookings: Int
        public let soldSeats: Int

        public var description: String {
            "LSN \(lsn): \(layouts) layouts, \(shows) shows, \(bookings) active bookings of \(soldSeats) seats"
        }
    }

    /// Reads the state in one repeatable-read transaction, so it is one point in time even if
    /// a persister writes meanwhile.
    public static func state(
        from connection: PostgresConnection,
        configuration: InventoryConfiguration
    ) throws -> (DurableState, Summary) {
        try connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        defer { _ = try? connection.execute("ROLLBACK") }
        let progress = try connection.execute("SELECT persisted_lsn, hold_generation_max FROM seat_persister_progress")
        guard progress.count == 1 else { throw PersisterError.noProgressRow }
        let lsn = try progress.integer(0, 0, as: UInt64.self)
        let generationFloor =
            (try progress.integer(0, 1, as: UInt32.self) &+ generationMargin) % InventoryLimits.generationsPerSlot

        var layouts: [DurableState.Layout] = []
        let layoutRows = try connection.execute("SELECT layout_id, document FROM seat_layouts ORDER BY layout_id")
        for row in 0..<layoutRows.count {
            let id = try layoutRows.integer(row, 0, as: UInt32.self)
            guard id == layouts.count else { throw RestoreError.missing("layout \(layouts.count)") }
            layouts.append(try DurableState.Layout(id: id, json: Array((layoutRows[row, 1] ?? "").utf8)))
        }

        var image = InventoryImage(configuration: configuration)
        var showLayouts: [UInt32] = []
        let showRows = try connection.execute(
            """
            SELECT show_id, layout_id, forbids_single_seat_gaps, seats_per_hold_max, hold_lifetime_max_ms,
                   array_to_string(distancing_seats, ','), cancelled_lsn IS NOT NULL,
                   greatest((SELECT max(change_number) FROM seat_bookings b WHERE b.show_id = s.show_id),
                            (SELECT max(change_number) FROM seat_cancellations c WHERE c.show_id = s.show_id))
            FROM seat_shows s ORDER BY show_id
            """)
        for row in 0..<showRows.count {
            let id = try showRows.integer(row, 0, as: UInt32.self)
            guard id == showLayouts.count else { throw RestoreError.missing("show \(showLayouts.count)") }
            let layoutID = try showRows.integer(row, 1, as: UInt32.self)
            guard Int(layoutID) < layouts.count else { throw RestoreError.missing("layout \(layoutID) of show \(id)") }
            let rules = ShowRules(
                forbidsSingleSeatGaps: showRows[row, 2] == "t",
                seatsPerHoldMax: Int(try showRows.integer(row, 3)),
                distancingMask: (showRows[row, 5] ?? "").split(separator: ",").compactMap { UInt32($0) }.map(SeatIndex.init),
                holdLifetimeMax: .milliseconds(try showRows.integer(row, 4)))
            try image.addShow(
                ShowID(rawValue: id),
                InventoryImage.Show(
                    layout: layouts[Int(layoutID)].layout, rules: rules, isCancelled: showRows[row, 6] == "t",
                    changeSequence: showRows[row, 7].flatMap { UInt64($0) } ?? 0))
            showLayouts.append(layoutID)
        }

        for shard in image.shards.indices {
            for slot in image.shards[shard].indices {
                image.shards[shard][slot] = InventoryImage.Slot(
                    generation: generationFloor, phase: .released, show: ShowID(rawValue: 0), seats: [],
                    deadline: Timestamp(milliseconds: 0), lifetimeCap: Timestamp(milliseconds: 0))
            }
        }
        let bookingRows = try connection.execute(
            """
            SELECT b.hold_id, b.show_id, array_to_string(array_agg(s.seat ORDER BY s.seat), ',')
            FROM seat_bookings b JOIN seat_booked_seats s USING (hold_id)
            WHERE s.active
            GROUP BY b.hold_id, b.show_id
            """)
        var soldSeats = 0
        for row in 0..<bookingRows.count {
            let raw = try bookingRows.integer(row, 0, as: UInt64.self)
            guard let hold = HoldID(rawValue: raw) else { throw RestoreError.invalid("hold id \(raw)") }
            let reservation = hold.reservation
            guard reservation.shard < image.shards.count, reservation.slot < image.shards[reservation.shard].count else {
                throw RestoreError.invalid(
                    "\(hold) does not fit \(configuration.shardCount) shards of \(configuration.reservationsPerShard): restore with the engine shape it was booked under")
            }
            let seats = (bookingRows[row, 2] ?? "").split(separator: ",").compactMap { UInt32($0) }
            soldSeats += seats.count
            image.shards[reservation.shard][reservation.slot] = InventoryImage.Slot(
                generation: reservation.generation, phase: .booked,
                show: ShowID(rawValue: try bookingRows.integer(row, 1, as: UInt32.self)), seats: seats,
                deadline: Timestamp(milliseconds: 0), lifetimeCap: Timestamp(milliseconds: 0))
            // Its cancellation and later holds may be among the records lost with the disk.
            image.shards[reservation.shard][reservation.slot].skipsGenerations = true
        }
        let summary = Summary(
            lsn: lsn, layouts: layouts.count, shows: showLayouts.count, bookings: bookingRows.count, soldSeats: soldSeats)
        return (DurableState(layouts: layouts, showLayouts: showLayouts, image: image), summary)
    }
}

public enum RestoreError: Error, Hashable, Sendable, CustomStringConvertible {
    case missing(String)
    case invalid(String)

    public var description: String {
        switch self {
        case .missing(let what): "PostgreSQL lacks \(what): the tables are not seatd's whole record"
        case .invalid(let what): "PostgreSQL holds an invalid \(what)"
        }
    }
}
