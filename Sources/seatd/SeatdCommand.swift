import ArgumentParser

@main
struct SeatdCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seatd",
        abstract: "The seat inventory server.",
        subcommands: [Serve.self, Migrate.self, Restore.self, NewEncryptionKey.self],
        defaultSubcommand: Serve.self)
}
