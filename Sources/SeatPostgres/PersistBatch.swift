import SeatInventory
import SeatJournal

/// The rows that a run of consecutive journal records adds to PostgreSQL, gathered so that one
/// transaction writes them (see ``write(to:)``).
///
/// Holds, releases, expiries and extensions are the engine's business and leave no row; the
/// batch still covers their LSNs, so the persister's progress moves past them.
struct PersistBatch {
    struct Booking {
        let hold: UInt64
        let show: UInt32
        let changeNumber: UInt64
        let seats: [UInt32]
        let lsn: UInt64
        /// Set when the booking is cancelled later in the same batch.
        var cancellation: Cancellation?
    }

    struct Cancellation {
        let hold: UInt64
        let show: UInt32
        let changeNumber: UInt64
        let lsn: UInt64
    }

    /// The batch covers the records after this LSN…
    let afterLSN: UInt64
    /// …through this one.
    private(set) var throughLSN: UInt64
    private(set) var layouts: [(layout: DurableState.Layout, lsn: UInt64)] = []
    private(set) var shows: [(show: ShowID, layout: UInt32, rules: ShowRules, lsn: UInt64)] = []
    private(set) var cancelledShows: [(show: ShowID, lsn: UInt64)] = []
    private(set) var bookings: [Booking] = []
    /// Index in `bookings` by hold id, to mark a booking cancelled in the batch that made it.
    private var bookingIndex: [UInt64: Int] = [:]
    /// Cancellations of bookings written by earlier batches.
    private(set) var earlierCancellations: [Cancellation] = []

    init(after lsn: UInt64) {
        afterLSN = lsn
        throughLSN = lsn
    }

    var recordCount: Int { Int(throughLSN - afterLSN) }
    /// Rows the batch writes to bookings and their seats: the figure throughput is reported in.
    private(set) var bookingRows = 0
    /// The highest generation among the batch's holds.
    private(set) var holdGenerationMax: UInt32 = 0

    /// Adds the next record; throws for one that does not decode.
    mutating func add(_ record: JournalRecord) throws {
        precondition(record.lsn == throughLSN + 1, "records reach a batch in order")
        throughLSN = record.lsn
        switch try EngineRecord(record) {
        case .layoutDefined(let id, let json):
            layouts.append((try DurableState.Layout(id: id, json: json), record.lsn))
        case .showCreated(let show, let layout, let rules):
            shows.append((show, layout, rules, record.lsn))
        case .showCancelled(let show):
            cancelledShows.append((show, record.lsn))
        case .confirmed(let change, let seats):
            let hold = HoldID(change.reservation).rawValue
            bookingIndex[hold] = bookings.count
            bookings.append(
                Booking(hold: hold, show: change.show.rawValue, changeNumber: change.sequence, seats: seats, lsn: record.lsn))
            bookingRows += 1 + seats.count
        case .ended(let change) where change.kind == .cancelled:
            let hold = HoldID(change.reservation).rawValue
            let cancellation = Cancellation(hold: hold, show: change.show.rawValue, changeNumber: change.sequence, lsn: record.lsn)
            if let index = bookingIndex[hold] {
                bookings[index].cancellation = cancellation
            } else {
                earlierCancellations.append(cancellation)
            }
        case .held(let change, _, _, _):
            holdGenerationMax = max(holdGenerationMax, change.reservation.generation)
        case .ended, .extended, .idempotentOutcome, .apiKeyCreated, .apiKeyRevoked:
            break
        }
    }

    /// Writes the batch's rows, in an order that keeps every constraint true at each step:
    /// layouts and shows before what refers to them; seats freed by cancellations of earlier
    /// bookings before new bookings may take them; a booking cancelled within the batch is
    /// written with its seats already inactive. The caller owns the transaction.
    func write(to connection: PostgresConnection) throws {
        for (layout, lsn) in layouts {
            try connection.execute(
                """
                INSERT INTO seat_layouts (layout_id, external_id, name, seat_count, document, defined_lsn)
                VALUES ($1, $2, $3, $4, $5, $6)
                """,
                [
                    Int64(layout.id), layout.layout.id, layout.layout.name, layout.layout.seatCount,
                    String(decoding: layout.json, as: UTF8.self), Int64(lsn),
                ])
        }
        for (show, layout, rules, lsn) in shows {
            try connection.execute(
                """
                INSERT INTO seat_shows (show_id, layout_id, forbids_single_seat_gaps, seats_per_hold_max,
                    hold_lifetime_max_ms, distancing_seats, created_lsn)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                """,
                [
                    Int64(show.rawValue), Int64(layout), rules.forbidsSingleSeatGaps, rules.seatsPerHoldMax,
                    Int64(rules.holdLifetimeMax / .milliseconds(1)), rules.distancingMask.map(\.rawValue), Int64(lsn),
                ])
        }
        if !earlierCancellations.isEmpty {
            try connection.execute(
                "UPDATE seat_booked_seats SET active = false WHERE hold_id = ANY($1::bigint[])",
                [earlierCancellations.map { Int64($0.hold) }])
        }
        if !bookings.isEmpty {
            var bookingCopy = CopyRows()
            var seatCopy = CopyRows()
            for booking in bookings {
                bookingCopy.field(booking.hold)
                bookingCopy.field(booking.show)
                bookingCopy.field(booking.changeNumber)
                bookingCopy.field(booking.seats.count)
                bookingCopy.field(booking.lsn)
                bookingCopy.endRow()
                for seat in booking.seats {
                    seatCopy.field(booking.hold)
                    seatCopy.field(booking.show)
                    seatCopy.field(seat)
                    seatCopy.field(booking.cancellation == nil)
                    seatCopy.endRow()
                }
            }
            try connection.copy(
                "COPY seat_bookings (hold_id, show_id, change_number, seat_count, confirmed_lsn) FROM STDIN",
                data: bookingCopy.bytes)
            try connection.copy("COPY seat_booked_seats (hold_id, show_id, seat, active) FROM STDIN", data: seatCopy.bytes)
        }
        let cancellations = earlierCancellations + bookings.compactMap(\.cancellation)
        if !cancellations.isEmpty {
            var rows = CopyRows()
            for cancellation in cancellations {
                rows.field(cancellation.hold)
                rows.field(cancellation.show)
                rows.field(cancellation.changeNumber)
                rows.field(cancellation.lsn)
                rows.endRow()
            }
            try connection.copy("COPY seat_cancellations (hold_id, show_id, change_number, cancelled_lsn) FROM STDIN", data: rows.bytes)
        }
        for (show, lsn) in cancelledShows {
            try connection.execute(
                "UPDATE seat_shows SET cancelled_lsn = $2 WHERE show_id = $1 AND cancelled_lsn IS NULL", [Int64(show.rawValue), Int64(lsn)])
        }
    }
}
