import ArgumentParser
import Foundation
import SeatClient
import SeatProtocol

/// `seatctl keys …`: the server's API keys, managed by an admin.
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, create, rotate and revoke the server's API keys (admin).",
        subcommands: [List.self, Create.self, Rotate.self, Revoke.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every stored key: id, role, name, created, revoked; never a secret.")
        @OptionGroup var server: ServerOptions

        func run() async throws {
            let keys = try await withConnection(server) { try await $0.apiKeys() }
            if keys.isEmpty { print("no stored keys (only those given to seatd at start)") }
            for key in keys {
                let created = Date(timeIntervalSince1970: Double(key.createdMilliseconds) / 1000).formatted(.iso8601)
                print("\(key.id)\t\(key.role)\t\(key.isRevoked ? "revoked" : "active")\t\(created)\t\(key.name)")
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a key; prints its id and its secret, which is shown only now.")
        @OptionGroup var server: ServerOptions
        @Option(help: "admin, agent or reader.") var role: String
        @Option(help: "A name for people, such as the system that will use the key.") var name = ""

        func run() async throws {
            guard let role = Role.allCases.first(where: { $0.description == self.role }) else {
                throw ValidationError("--role is admin, agent or reader, not \(self.role)")
            }
            let created = try await withConnection(server) { try await $0.createAPIKey(role: role, name: name) }
            print("key \(created.id) (\(created.role)): \(created.key)")
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace a key: a new secret with the same role and name; the old one stops working.")
        @OptionGroup var server: ServerOptions
        @Argument(help: "The key's id (from `seatctl keys list`).") var id: UInt32

        func run() async throws {
            let rotated = try await withConnection(server) { try await $0.rotateAPIKey(id) }
            print("key \(id) revoked; key \(rotated.id) (\(rotated.role)): \(rotated.key)")
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop a key working for new connections.")
        @OptionGroup var server: ServerOptions
        @Argument(help: "The key's id.") var id: UInt32

        func run() async throws {
            try await withConnection(server) { try await $0.revokeAPIKey(id) }
            print("key \(id) revoked")
        }
    }
}
