import ArgumentParser
import Foundation
import NIOSSL
import SeatClient
import SeatProtocol

@main
struct SeatctlCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seatctl",
        abstract: "Administer and use a seatd server from the terminal.",
        subcommands: [
            Shows.self, Availability.self, Hold.self, HoldBest.self, Confirm.self, Release.self, CancelBooking.self, Reservation.self,
            ImportLayout.self, CreateShow.self, CancelShow.self, Snapshot.self, Watch.self, Stats.self, Keys.self,
        ])
}

/// Where the server is and which key to use; on every subcommand.
struct ServerOptions: ParsableArguments {
    @Option(help: "Server host (or SEATD_HOST).")
    var host = ProcessInfo.processInfo.environment["SEATD_HOST"] ?? "127.0.0.1"

    @Option(help: "Server port (or SEATD_PORT).")
    var port = Int(ProcessInfo.processInfo.environment["SEATD_PORT"] ?? "") ?? 7400

    @Option(help: "API key (or SEAT_API_KEY).")
    var key = ProcessInfo.processInfo.environment["SEAT_API_KEY"] ?? ""

    @Flag(help: "Speak TLS, verifying the server's certificate.")
    var tls = false

    @Option(help: "PEM certificate to trust for --tls, beside the system's (for a self-signed server).")
    var caCertificate: String?

    func connect() async throws -> SeatConnection {
        guard !key.isEmpty else { throw ValidationError("give an API key with --key or SEAT_API_KEY") }
        var tlsConfiguration: TLSConfiguration?
        if tls || caCertificate != nil {
            var configuration = TLSConfiguration.makeClientConfiguration()
            if let caCertificate {
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caCertificate))
            }
            tlsConfiguration = configuration
        }
        do {
            return try await SeatConnection.connect(
                host: host, port: port, apiKey: key, clientName: "seatctl", tls: tlsConfiguration)
        } catch {
            if case .noServer = error { throw NoServer(host: host, port: port) }
            throw error
        }
    }
}

/// Nothing listens where seatctl was pointed: said plainly, with how to point it elsewhere.
/// (SEATD_PORT is the variable `scripts/run` and `seatd serve` read too, so one setting serves all.)
struct NoServer: Error, CustomStringConvertible {
    let host: String
    let port: Int

    var description: String {
        "no seatd at \(host):\(port) — is it running? (--host/--port, or SEATD_HOST/SEATD_PORT)"
    }
}

/// Runs `body` on a fresh connection and closes it.
func withConnection<Result>(_ options: ServerOptions, _ body: (SeatConnection) async throws -> Result) async throws -> Result {
    let connection = try await options.connect()
    do {
        let result = try await body(connection)
        await connection.close()
        return result
    } catch {
        await connection.close()
        throw error
    }
}
