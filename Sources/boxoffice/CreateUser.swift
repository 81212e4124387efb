import Accounts
import ArgumentParser
import BoxOfficeApp
import BoxOfficeEdge
import Foundation

/// Creates an account from the command line (the first admin of a deployment, staff accounts
/// before self-service exists), with its address taken as verified.
struct CreateUser: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create an account with the given roles; its email counts as verified.")

    @OptionGroup var storage: StorageOptions

    @Option(help: "The account's email address.")
    var email: String

    @Option(help: "The account's name.")
    var name: String

    @Option(help: "File holding the password (so it is not in the shell history); '-' reads standard input.")
    var passwordFile: String

    @Option(help: "customer, staff or admin (repeatable).")
    var role: [String] = ["customer"]

    @Flag(help: "Succeed without change when the email already has an account.")
    var ifMissing = false

    func run() async throws {
        let logger = try storage.bootstrapLogging()
        let configuration = try storage.configuration()
        let password: String
        if passwordFile == "-" {
            password = readLine(strippingNewline: true) ?? ""
        } else {
            password = try String(contentsOfFile: passwordFile, encoding: .utf8).trimmingCharacters(in: .newlines)
        }
        let roles: Identity.Roles
        do { roles = try Identity.Roles(names: role) } catch { throw ValidationError("unknown role \(error.name)") }

        let keys = try loadOrCreateAccessTokenKeys(configuration, logger: logger)
        try await storage.withMigratedDatabase(configuration, logger: logger) { database in
            let accounts = try await AccountService.make(database: database, keys: keys, configuration: configuration.accounts)
            do {
                let user = try await accounts.signUp(.init(email: email, password: password, name: name), roles: roles,
                                                     emailVerified: true)
                print("created \(user.email) (\(user.roles.names.joined(separator: ", "))), id \(user.id)")
            } catch AccountError.emailTaken where ifMissing {
                print("\(email) already has an account")
            } catch let error as AccountError {
                throw ValidationError("\(error.problem.detail ?? error.problem.title)")
            }
        }
    }
}
