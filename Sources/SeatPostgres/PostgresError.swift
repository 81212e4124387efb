/// A failure talking to PostgreSQL, with the SQLSTATE the server gave when it gave one.
public struct PostgresError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// No connection could be made, or the one we had broke: retrying later may work.
        case connection
        /// The server refused a statement (a constraint, a syntax error, a conflict).
        case statement
        /// The server answered with something the caller did not expect.
        case protocolViolation
    }

    public let kind: Kind
    /// The five-character SQLSTATE (`23505` unique violation, `40001` serialization failure…).
    public let sqlState: String?
    public let message: String
    /// What we were doing: the statement's first words, or "connect".
    public let context: String

    public init(kind: Kind, sqlState: String? = nil, message: String, context: String) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
        self.context = context
    }

    /// Class 08 (connection exception) and 57P (operator intervention: shutdown, crash) mean the
    /// server or the way to it went away, not that the statement was wrong.
    public var isConnectionLost: Bool {
        if kind == .connection { return true }
        guard let sqlState else { return false }
        return sqlState.hasPrefix("08") || sqlState.hasPrefix("57P")
    }

    public static let uniqueViolation = "23505"

    public var description: String {
        let state = sqlState.map { " [\($0)]" } ?? ""
        return "PostgreSQL\(state) during \(context): \(message)"
    }
}
