import ArgumentParser
import Foundation
import SeatJournal

/// Where the keys for encryption at rest come from: a key file, or the environment.
struct EncryptionOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Encrypt the journal and snapshots with AES-256-GCM under the keys in this file (one ID:KEY per line, KEY 64 hex digits; the last is used for new files, the others read older ones; mode 600). Also SEATD_ENCRYPTION_KEY_FILE, or the keys themselves, comma-separated, in SEATD_ENCRYPTION_KEYS. `seatd new-encryption-key` makes a line.",
            valueName: "path"))
    var encryptionKeyFile: String?

    /// The keys, or nil when encryption is off.
    func keys() throws -> EncryptionKeys? {
        let environment = ProcessInfo.processInfo.environment
        if let path = encryptionKeyFile ?? environment["SEATD_ENCRYPTION_KEY_FILE"] {
            return try EncryptionKeys(file: path)
        }
        if let listed = environment["SEATD_ENCRYPTION_KEYS"] {
            return try EncryptionKeys(parsing: listed.replacingOccurrences(of: ",", with: "\n"))
        }
        return nil
    }
}

struct NewEncryptionKey: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a new random key as a key-file line, ID:KEY.",
        discussion: """
            To start encrypting: seatd new-encryption-key --id 1 > keys && chmod 600 keys, then \
            serve with --encryption-key-file keys. To rotate: append a line with the next id \
            (seatd new-encryption-key --id 2 >> keys) and restart.
            """)

    @Option(help: "The key's id, 1 or more; ids must be unique within a key file.")
    var id: UInt32

    func run() throws {
        guard id > 0 else { throw ValidationError("--id must be at least 1") }
        print("\(id):\(try EncryptionKeys.randomKeyHex())")
    }
}
