import ArgumentParser
import Foundation
import SeatPostgres

struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Bring the PostgreSQL schema up to this seatd's version (serve does it too, at start).")

    @Option(help: ArgumentHelp("The database, as a libpq URL. Also DATABASE_URL.", valueName: "url"))
    var postgres: String?

    func run() throws {
        guard let postgres = databaseURL(postgres) else { throw ValidationError("give --postgres or DATABASE_URL") }
        let connection = try PostgresConnection(url: postgres)
        let before = try Schema.version(connection)
        let applied = try Schema.migrate(connection)
        if applied.isEmpty {
            print("schema at version \(before), the latest; nothing to do")
        } else {
            for version in applied {
                let name = Schema.migrations.first { $0.version == version }?.name ?? ""
                print("applied migration \(version): \(name)")
            }
            print("schema at version \(Schema.latestVersion)")
        }
    }
}

/// The PostgreSQL URL from an option, else from `DATABASE_URL`.
func databaseURL(_ option: String?) -> String? {
    option ?? ProcessInfo.processInfo.environment["DATABASE_URL"]
}
