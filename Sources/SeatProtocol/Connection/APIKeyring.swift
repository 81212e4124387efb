/// Tells which role a HELLO's API key gives: what the connection state machine asks once per
/// connection.
public protocol APIKeyResolving: Sendable {
    func role(for key: String) -> Role?
}

/// The API keys a server accepts, each giving a role.
public struct APIKeyring: APIKeyResolving {
    private let entries: [(key: [UInt8], role: Role)]

    public init(_ keys: [String: Role]) {
        entries = keys.map { (Array($0.key.utf8), $0.value) }
    }

    public var isEmpty: Bool { entries.isEmpty }

    /// The role `key` gives, or nil. Compares against every key in full, so the time taken does
    /// not tell an attacker how much of a guess was right.
    public func role(for key: String) -> Role? {
        let presented = Array(key.utf8)
        var found: Role?
        for entry in entries where constantTimeEqual(entry.key, presented) {
            found = entry.role
        }
        return found
    }

    private func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        var difference = UInt8(lhs.count == rhs.count ? 0 : 1)
        for index in 0..<max(lhs.count, rhs.count) {
            let left = index < lhs.count ? lhs[index] : 0
            let right = index < rhs.count ? rhs[index] : 0
            difference |= left ^ right
        }
        return difference == 0
    }
}
