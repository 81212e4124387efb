import NIOCore
import SeatPostgres
import SeatProtocol

/// PostgreSQL as a seat store, the way a team would build one: a row per seat, `load_seats`,
/// with its state, the hold's token and deadline. Every request is one statement and one
/// transaction, committed durably under the server's own settings (`synchronous_commit` on by
/// default): a hold is a conditional `UPDATE … RETURNING`, best-available takes the lowest free
/// seats with `FOR UPDATE SKIP LOCKED` (all or none), and confirmations, releases and
/// cancellations change the hold's rows only while they still carry its token and state.
/// Statements are prepared once per connection and sent through libpq's pipeline mode, answered
/// in the order sent.
enum PostgresSeats {
    enum Statement: String, CaseIterable {
        case hold, holdBest, confirm, release, cancel, availability

        var sql: String {
            let claim = "state = 1, hold_id = $3, held_until = now() + $4::int * interval '1 millisecond'"
            let claimable = "(state = 0 OR (state = 1 AND held_until < now()))"
            return switch self {
            case .hold:
                """
                WITH wanted AS (
                    SELECT seat FROM load_seats WHERE show = $1 AND seat = ANY($2::int[]) AND \(claimable) FOR UPDATE)
                UPDATE load_seats s SET \(claim) FROM wanted
                WHERE s.show = $1 AND s.seat = wanted.seat AND (SELECT count(*) FROM wanted) = cardinality($2::int[])
                RETURNING s.seat
                """
            case .holdBest:
                """
                WITH free AS (
                    SELECT seat FROM load_seats WHERE show = $1 AND state = 0 ORDER BY seat LIMIT $2 FOR UPDATE SKIP LOCKED)
                UPDATE load_seats s SET \(claim) FROM free
                WHERE s.show = $1 AND s.seat = free.seat AND (SELECT count(*) FROM free) = $2
                RETURNING s.seat
                """
            // A hold's seats share one token and deadline, so its rows change together.
            case .confirm:
                """
                UPDATE load_seats SET state = 2, held_until = NULL
                WHERE show = $1 AND seat = ANY($2::int[]) AND hold_id = $3 AND state = 1 AND held_until >= now()
                """
            case .release:
                """
                UPDATE load_seats SET state = 0, hold_id = NULL, held_until = NULL
                WHERE show = $1 AND seat = ANY($2::int[]) AND hold_id = $3 AND state = 1
                """
            case .cancel:
                """
                UPDATE load_seats SET state = 0, hold_id = NULL
                WHERE show = $1 AND seat = ANY($2::int[]) AND hold_id = $3 AND state = 2
                """
            case .availability:
                "SELECT count(*) FROM load_seats WHERE show = $1 AND state = 0"
            }
        }
    }

    /// Makes `load_seats` afresh with every seat of `shows` free. The partial index of free
    /// seats is what best-available searches.
    static func createSeats(_ shows: [(show: UInt32, seatCount: UInt32)], url: String) throws(PostgresError) {
        let connection = try PostgresConnection(url: url)
        try connection.executeScript(
            """
            DROP TABLE IF EXISTS load_seats;
            CREATE TABLE load_seats (
                show integer NOT NULL,
                seat integer NOT NULL,
                state smallint NOT NULL DEFAULT 0,
                hold_id bigint,
                held_until timestamptz,
                PRIMARY KEY (show, seat));
            """)
        for (show, seatCount) in shows {
            try connection.execute(
                "INSERT INTO load_seats (show, seat) SELECT $1, generate_series(0, $2 - 1)", [Int(show), Int(seatCount)])
        }
        try connection.execute("CREATE INDEX load_seats_free ON load_seats (show, seat) WHERE state = 0")
        try connection.execute("VACUUM ANALYZE load_seats")
    }

    /// The flash sale's show as its rows say at the end, for ``SaleAudit``.
    static func finalSeatMap(of show: UInt32, seatCount: UInt32, url: String) throws(PostgresError) -> SaleAudit.SeatMap {
        let connection = try PostgresConnection(url: url)
        let rows = try connection.execute("SELECT seat, state FROM load_seats WHERE show = $1 AND state <> 0", [Int(show)])
        var map = SaleAudit.SeatMap(seatCount: seatCount)
        for row in 0..<rows.count {
            let seat = try rows.integer(row, 0, as: UInt32.self)
            let state = try rows.integer(row, 1, as: Int.self)
            if state == 2 { map.markSold(seat) } else { map.held += 1 }
        }
        return map
    }
}

/// One connection's pipeline to PostgreSQL, as the ``LoadLanes``' sink: sends each request as a
/// prepared statement and matches answers to requests in order.
struct PostgresPipeline: LoadRequestSink {
    private struct Pending {
        let lane: Int
        let statement: PostgresSeats.Statement
        let token: UInt64
        let seats: [UInt32]
        let seatsWanted: Int
    }

    private let connection: PostgresConnection
    private let holdMilliseconds: UInt32
    private var pending = CircularBuffer<Pending>()
    /// Hold tokens: unique across connections, since each starts from its own high bits.
    private var nextToken: UInt64
    /// The first statement that could not be sent; the connection is then unusable.
    private(set) var sendFailure: PostgresError?

    init(url: String, connection index: Int, holdMilliseconds: UInt32) throws(PostgresError) {
        connection = try PostgresConnection(url: url)
        for statement in PostgresSeats.Statement.allCases { try connection.prepare(statement.rawValue, statement.sql) }
        try connection.enterPipelineMode()
        self.holdMilliseconds = holdMilliseconds
        nextToken = UInt64(index) << 40 | 1
    }

    var hasPending: Bool { !pending.isEmpty }

    mutating func send(_ request: LoadRequest, lane: Int) {
        let statement: PostgresSeats.Statement
        var parameters: [(any PostgresParameter)?]
        var token: UInt64 = 0
        var seats: [UInt32] = []
        var seatsWanted = 0
        switch request {
        case .hold(let show, let named):
            (statement, token, seats, seatsWanted) = (.hold, takeToken(), named, named.count)
            parameters = [Int(show), named, Int64(bitPattern: token), Int(holdMilliseconds)]
        case .holdBestAvailable(let show, let count):
            (statement, token, seatsWanted) = (.holdBest, takeToken(), Int(count))
            parameters = [Int(show), Int(count), Int64(bitPattern: token), Int(holdMilliseconds)]
        case .confirm(let hold), .release(let hold), .cancel(let hold):
            statement = request.step == .confirm ? .confirm : request.step == .release ? .release : .cancel
            (token, seats, seatsWanted) = (hold.id, hold.seats, hold.seats.count)
            parameters = [Int(hold.show), hold.seats, Int64(bitPattern: hold.id)]
        case .availability(let show):
            statement = .availability
            parameters = [Int(show)]
        }
        pending.append(Pending(lane: lane, statement: statement, token: token, seats: seats, seatsWanted: seatsWanted))
        guard sendFailure == nil else { return }
        do {
            try connection.sendPrepared(statement.rawValue, parameters)
        } catch {
            sendFailure = error
        }
    }

    /// Waits for the oldest request's answer: its lane, step and outcome.
    mutating func nextAnswer() throws(LoadFailure) -> (lane: Int, step: Workload.Step, outcome: LoadOutcome) {
        if let sendFailure { throw LoadFailure("PostgreSQL: \(sendFailure)") }
        guard let request = pending.popFirst() else { throw LoadFailure("waiting for an answer to no request") }
        let rows: PostgresRows
        do {
            rows = try connection.nextPipelinedResult(context: request.statement.rawValue)
        } catch {
            throw LoadFailure("PostgreSQL: \(error)")
        }
        let step: Workload.Step
        let succeeded: Bool
        var outcome = LoadOutcome.done
        switch request.statement {
        case .hold, .holdBest:
            step = .hold
            succeeded = rows.count == request.seatsWanted
            if succeeded {
                let seats = request.statement == .hold
                    ? request.seats : try (0..<rows.count).map { (row) throws(LoadFailure) -> UInt32 in try Self.seat(rows, row) }
                outcome = .held(id: request.token, seats: seats)
            }
        case .confirm:
            step = .confirm
            succeeded = rows.affected == request.seatsWanted
            outcome = .booked(id: request.token)
        case .release, .cancel:
            step = request.statement == .release ? .release : .cancel
            succeeded = rows.affected == request.seatsWanted
        case .availability:
            step = .availability
            succeeded = rows.count == 1
        }
        guard succeeded else {
            // Too few free rows for a best-available hold: no block left, as seatd would say.
            return (request.lane, step, .refused(request.statement == .holdBest ? .noBlockAvailable : step.peerRefusal))
        }
        return (request.lane, step, outcome)
    }

    private static func seat(_ rows: PostgresRows, _ row: Int) throws(LoadFailure) -> UInt32 {
        do {
            return try rows.integer(row, 0, as: UInt32.self)
        } catch {
            throw LoadFailure("PostgreSQL returned a seat that is not one: \(error)")
        }
    }

    private mutating func takeToken() -> UInt64 {
        defer { nextToken += 1 }
        return nextToken
    }
}
