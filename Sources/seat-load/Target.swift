import ArgumentParser

/// The system a run loads: seatd, or a peer measured with the same lanes, pacing and counting.
enum Target: String, CaseIterable, ExpressibleByArgument, Sendable {
    case seatd
    /// Redis with a key per seat and Lua scripts (``RedisCodec``).
    case redis
    /// PostgreSQL with a row per seat, through libpq (``PostgresSeats``).
    case postgres
    /// `seat-load echo-server`: the loopback ceiling (``EchoCodec``).
    case echo

    var defaultPort: Int {
        switch self {
        case .seatd: 7400
        case .redis: 6379
        case .postgres: 5432
        case .echo: 7499
        }
    }

    func serves(_ workload: Workload) -> Bool {
        switch (self, workload) {
        case (.seatd, _): true
        case (.redis, .flashSale), (.redis, .mixed), (.echo, .flashSale): false
        default: true
        }
    }

    /// Why a workload it does not serve cannot be run against it.
    var limitation: String {
        switch self {
        case .seatd, .postgres: ""
        case .redis: "a key per seat has no seat map to read and no best-available search to sell out with"
        case .echo: "an echo never sells out, so a flash sale would not end"
        }
    }
}
