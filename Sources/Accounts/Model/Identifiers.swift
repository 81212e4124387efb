import Foundation

/// The shapes of ids the accounts service accepts from outside.
enum Identifiers {
    /// Our own ids: lowercase UUIDs (users, sessions).
    static func isWellFormed(_ id: String) -> Bool {
        id.utf8.count == 36 && UUID(uuidString: id) != nil && id == id.lowercased()
    }

    /// Theatre ids as the catalog spells them: 1 to 64 lowercase letters, digits and dashes.
    static func isWellFormedTheatreID(_ id: String) -> Bool {
        (1...64).contains(id.utf8.count) && id.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }
    }
}
