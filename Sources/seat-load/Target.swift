import ArgumentParser
import SeatClient

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

    /// Where the run connects: the options given, else for seatd SEATD_HOST and SEATD_PORT (the
    /// variables `seatd serve`, `scripts/run` and `seatctl` read), else loopback and the default port.
    func address(host: String?, port: Int?, environment: [String: String]) -> (host: String, port: Int) {
        let fromEnvironment = self == .seatd
        return (
            host ?? (fromEnvironment ? environment["SEATD_HOST"] : nil) ?? "127.0.0.1",
            port ?? (fromEnvironment ? environment["SEATD_PORT"].flatMap { Int($0) } : nil) ?? defaultPort
        )
    }

    /// Runs `connect`, saying plainly when nothing listens at the address.
    func connecting<Connected>(host: String, port: Int, _ connect: () async throws -> Connected) async throws -> Connected {
        do {
            return try await connect()
        } catch {
            guard case .noServer = SeatClientError(connecting: error, host: host, port: port) else { throw error }
            throw Unreachable(target: self, host: host, port: port)
        }
    }

    struct Unreachable: Error, CustomStringConvertible {
        let target: Target
        let host: String
        let port: Int

        var description: String {
            let hint = target == .seatd ? "--host/--port, or SEATD_HOST/SEATD_PORT" : "--host/--port"
            return "no \(target.rawValue) at \(host):\(port) — is it running? (\(hint))"
        }
    }
}
