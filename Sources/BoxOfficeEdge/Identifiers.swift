import Foundation

/// The shapes of ids the box office accepts from outside, shared by every service so that an
/// id refused by one is refused by all, and nothing else ever reaches SQL.
public enum Identifiers {
    /// Ids the box office generates: lowercase UUIDs (users, sessions, movies, showtimes, …).
    public static func isGenerated(_ id: String) -> Bool {
        id.utf8.count == 36 && UUID(uuidString: id) != nil && id == id.lowercased()
    }

    /// Theatre ids, which people choose and staff roles name: 1 to 64 lowercase letters,
    /// digits and dashes.
    public static func isTheatreID(_ id: String) -> Bool {
        (1...64).contains(id.utf8.count)
            && id.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }
    }
}
