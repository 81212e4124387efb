/// The tables seatd keeps in PostgreSQL, as numbered migrations applied in order.
///
/// A migration, once released, never changes: a change to the schema is a new migration.
/// Reporting, theatre management systems and other services read these tables; only seatd's
/// persister writes them.
public enum Schema {
    public struct Migration: Sendable {
        public let version: Int
        public let name: String
        let sql: String
    }

    public static let migrations: [Migration] = [
        Migration(
            version: 1, name: "layouts, shows, bookings, cancellations and the persister's progress",
            sql: """
                -- A screen's seating plan, as the theatre management system defined it.
                CREATE TABLE seat_layouts (
                    layout_id    integer PRIMARY KEY,
                    external_id  text    NOT NULL,  -- the document's "id"
                    name         text    NOT NULL,  -- the document's "name", often the screen's
                    seat_count   integer NOT NULL,
                    document     text    NOT NULL,  -- the JSON document byte for byte, for restore
                    defined_lsn  bigint  NOT NULL
                );

                CREATE TABLE seat_shows (
                    show_id                  integer   PRIMARY KEY,
                    layout_id                integer   NOT NULL REFERENCES seat_layouts,
                    forbids_single_seat_gaps boolean   NOT NULL,
                    seats_per_hold_max       integer   NOT NULL,
                    hold_lifetime_max_ms     bigint    NOT NULL,
                    distancing_seats         integer[] NOT NULL,  -- seats never sold for distancing
                    created_lsn              bigint    NOT NULL,
                    cancelled_lsn            bigint              -- set when the show is cancelled
                );

                -- A confirmed hold. hold_id is the hold's id on the wire; booking_id is the id
                -- clients were given for the booking (the same bits with the top one set).
                CREATE TABLE seat_bookings (
                    hold_id        bigint      PRIMARY KEY CHECK (hold_id >= 0),
                    booking_id     numeric(20) GENERATED ALWAYS AS (hold_id::numeric + 9223372036854775808) STORED UNIQUE,
                    show_id        integer     NOT NULL REFERENCES seat_shows,
                    change_number  bigint      NOT NULL,  -- the show's change number (availability feeds)
                    seat_count     integer     NOT NULL,
                    confirmed_lsn  bigint      NOT NULL UNIQUE
                );

                -- The seats of each booking. A seat of a show is in at most one active booking:
                -- PostgreSQL itself refuses a second sale, whoever inserts it.
                CREATE TABLE seat_booked_seats (
                    hold_id  bigint  NOT NULL REFERENCES seat_bookings,
                    show_id  integer NOT NULL,
                    seat     integer NOT NULL,  -- the seat's index in its show's layout
                    active   boolean NOT NULL,  -- false once the booking is cancelled
                    PRIMARY KEY (hold_id, seat)
                );
                CREATE UNIQUE INDEX seat_booked_seats_sold_once ON seat_booked_seats (show_id, seat) WHERE active;

                CREATE TABLE seat_cancellations (
                    hold_id        bigint  PRIMARY KEY REFERENCES seat_bookings,
                    show_id        integer NOT NULL,
                    change_number  bigint  NOT NULL,
                    cancelled_lsn  bigint  NOT NULL UNIQUE
                );

                -- The last journal record whose rows are here; moved in the same transaction
                -- as those rows, so a batch is written exactly once.
                -- hold_generation_max: the highest generation of any hold persisted, so that a
                -- restore never hands out a hold id a client may still hold.
                CREATE TABLE seat_persister_progress (
                    singleton            boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
                    persisted_lsn        bigint      NOT NULL,
                    persisted_at         timestamptz NOT NULL,
                    hold_generation_max  integer     NOT NULL
                );
                INSERT INTO seat_persister_progress VALUES (true, 0, now(), 0);
                """),
        Migration(
            version: 2, name: "bookings, their seats and cancellations without per-row reference checks",
            sql: """
                -- Checking each COPYed row's reference cost three to four times the COPY itself
                -- (200,000 rows of each table, measured), and capped the persister below the
                -- server's confirmation rate. The persister is these tables' only writer and
                -- writes each booking before its seats and its cancellation, in journal order.
                -- The constraint that matters, one active sale per seat, stays.
                ALTER TABLE seat_bookings DROP CONSTRAINT seat_bookings_show_id_fkey;
                ALTER TABLE seat_booked_seats DROP CONSTRAINT seat_booked_seats_hold_id_fkey;
                ALTER TABLE seat_cancellations DROP CONSTRAINT seat_cancellations_hold_id_fkey;
                -- booking_id is unique because hold_id is; its own numeric index was redundant
                -- and slow to maintain. Find a booking by id with hold_id = booking_id - 2^63.
                ALTER TABLE seat_bookings DROP CONSTRAINT seat_bookings_booking_id_key;
                """),
    ]

    public static var latestVersion: Int { migrations.last?.version ?? 0 }

    /// Applies every migration the database lacks, in one transaction under an advisory lock,
    /// so servers starting together do not race; returns the versions applied. Refuses a
    /// database whose schema is newer than this build knows.
    @discardableResult
    public static func migrate(_ connection: PostgresConnection) throws -> [Int] {
        try connection.transaction {
            try connection.execute("SELECT pg_advisory_xact_lock(hashtext('seat-inventory schema'))")
            try connection.execute(
                """
                CREATE TABLE IF NOT EXISTS seat_schema_migrations (
                    version     integer     PRIMARY KEY,
                    name        text        NOT NULL,
                    applied_at  timestamptz NOT NULL DEFAULT now()
                )
                """)
            let rows = try connection.execute("SELECT coalesce(max(version), 0) FROM seat_schema_migrations")
            let current = Int(try rows.integer(0, 0))
            guard current <= latestVersion else { throw SchemaError.newerThanThisBuild(database: current, known: latestVersion) }
            var applied: [Int] = []
            for migration in migrations where migration.version > current {
                try connection.executeScript(migration.sql)
                try connection.execute(
                    "INSERT INTO seat_schema_migrations (version, name) VALUES ($1, $2)", [migration.version, migration.name])
                applied.append(migration.version)
            }
            return applied
        }
    }

    /// The schema version the database is at; 0 before any migration.
    public static func version(_ connection: PostgresConnection) throws(PostgresError) -> Int {
        let exists = try connection.execute("SELECT to_regclass('seat_schema_migrations') IS NOT NULL")
        guard exists[0, 0] == "t" else { return 0 }
        return Int(try connection.execute("SELECT coalesce(max(version), 0) FROM seat_schema_migrations").integer(0, 0))
    }
}

public enum SchemaError: Error, Hashable, Sendable, CustomStringConvertible {
    case newerThanThisBuild(database: Int, known: Int)

    public var description: String {
        switch self {
        case .newerThanThisBuild(let database, let known):
            "the database's schema is at version \(database), newer than the \(known) this seatd knows; run a newer seatd"
        }
    }
}
