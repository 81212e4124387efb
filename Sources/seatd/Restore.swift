import ArgumentParser
import Foundation
import SeatJournal
import SeatPostgres

struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rebuild a lost data directory from PostgreSQL: layouts, shows and bookings (holds are not kept there).",
        discussion: """
            Writes one snapshot at the last LSN PostgreSQL holds into a new, empty data directory. \
            Serving from it with the same --postgres continues the database where it stopped.
            """)

    @Option(name: .customLong("from-postgres"), help: ArgumentHelp("The database, as a libpq URL. Also DATABASE_URL.", valueName: "url"))
    var postgres: String?

    @Option(help: "The data directory to create; it must hold no journal or snapshot.")
    var dataDir: String

    @OptionGroup var engine: EngineShape

    @OptionGroup var encryption: EncryptionOptions

    func run() throws {
        guard let postgres = databaseURL(postgres) else { throw ValidationError("give --from-postgres or DATABASE_URL") }
        let directory = try DataDirectory(dataDir)
        let existing = try FileManager.default.contentsOfDirectory(atPath: directory.journal)
            + FileManager.default.contentsOfDirectory(atPath: directory.snapshots)
        guard existing.isEmpty else {
            throw ValidationError("\(dataDir) already holds a journal or snapshots; restore only into a new directory")
        }
        let connection = try PostgresConnection(url: postgres)
        let version = try Schema.version(connection)
        guard version == Schema.latestVersion else {
            throw ValidationError("the database's schema is at version \(version), this seatd restores from version \(Schema.latestVersion)")
        }
        let (state, summary) = try PostgresRestore.state(from: connection, configuration: engine.configuration)
        let header = SnapshotFile.Header(startLSN: summary.lsn, endLSN: summary.lsn)
        let path = try SnapshotFile.store(
            try SnapshotFile.seal(SnapshotFile.encode(state, header: header), encryption: try encryption.keys()), header: header,
            in: directory.snapshots)
        print("restored \(summary) into \(path)")
    }
}
