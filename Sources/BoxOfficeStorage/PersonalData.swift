import Foundation
import SQLKit

/// A service's share of what the box office holds about a person, so the accounts service's
/// export (GDPR Art. 15 and 20) includes it and its erasure (Art. 17) removes it, in the
/// erasure's own transaction.
public protocol PersonalDataHolder: Sendable {
    /// The section of the person's export it fills.
    var exportSection: String { get }
    /// Its records about the person, as the export shows them.
    func exportPersonalData(userID: String, on session: any SQLDatabase) async throws -> JSONValue
    /// Deletes (or anonymises) its records about the person, in the caller's transaction.
    func erasePersonalData(userID: String, on session: any SQLDatabase) async throws
    /// Called once the erasure committed, to forget whatever it keeps in memory.
    func personalDataErased(userID: String) async
}

/// Any JSON value: how one service hands another data whose shape only it knows.
public enum JSONValue: Sendable, Equatable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The JSON `value` encodes to.
    public init(encoding value: some Encodable) throws {
        self = try JSONDecoder().decode(JSONValue.self, from: try JSONEncoder().encode(value))
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
