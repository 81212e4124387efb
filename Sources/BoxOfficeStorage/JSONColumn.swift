import Foundation

/// JSON kept as text in a column: the portable way to store a small list or flat object on
/// both engines.
public enum JSONColumn {
    /// The value as JSON text, keys sorted (the same value is always the same text).
    public static func text(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        // What we store this way (arrays of strings, flat structs of strings, numbers and
        // booleans) always encodes.
        return String(decoding: try! encoder.encode(value), as: UTF8.self)
    }

    public static func value<Value: Decodable>(_ type: Value.Type = Value.self, from text: String) throws -> Value {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }
}
