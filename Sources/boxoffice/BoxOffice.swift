import ArgumentParser

@main
struct BoxOffice: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "boxoffice",
        abstract: "The box office: accounts, catalog and booking over HTTP, around seatd.",
        subcommands: [Serve.self, CreateUser.self, LoadSamples.self, GenerateCatalog.self],
        defaultSubcommand: Serve.self)
}
