/// A layout document that cannot become a ``SeatLayout``, naming the element at fault.
public struct LayoutError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Where the problem is, e.g. `sections[stalls].rows[H].seats[H12]`.
    public let path: String
    public let problem: Problem

    public enum Problem: Hashable, Sendable {
        case empty
        case tooLong(bytes: Int, limit: Int)
        case duplicateLabel(String)
        case unknownCategory(String)
        case duplicatePosition(x: Int)
        case positionOutOfRange(x: Int)
        case rankOutOfRange(Int)
        case tooMany(count: Int, limit: Int)
        /// The document lacks a field it must have.
        case missingField(String)
        /// A field holds another kind of value: "text", "a whole number", "a list", ...
        case wrongType(expected: String)
        /// A value of the right kind that is not one of the allowed ones (a seat flag).
        case notAllowed(allowed: [String])
        case invalidValue
        /// Not JSON at all.
        case notJSON
    }

    public var description: String {
        let detail: String
        switch problem {
        case .empty: detail = "must not be empty"
        case .tooLong(let bytes, let limit): detail = "is \(bytes) bytes long; at most \(limit) are allowed"
        case .duplicateLabel(let label): detail = "\"\(label)\" is used twice"
        case .unknownCategory(let category): detail = "unknown category \"\(category)\""
        case .duplicatePosition(let x): detail = "two seats of the row stand at x = \(x)"
        case .positionOutOfRange(let x): detail = "x = \(x) is outside \(Int32.min)...\(Int32.max)"
        case .rankOutOfRange(let rank): detail = "rank \(rank) is not in 0...\(UInt32.max)"
        case .tooMany(let count, let limit): detail = "has \(count) entries; at most \(limit) are allowed"
        case .missingField(let field): detail = "missing \"\(field)\""
        case .wrongType(let expected): detail = "expected \(expected)"
        case .notAllowed(let allowed):
            let quoted = allowed.map { "\"\($0)\"" }
            detail = "must be " + (quoted.count > 1 ? quoted.dropLast().joined(separator: ", ") + " or " + quoted.last! : quoted.joined())
        case .invalidValue: detail = "not a valid value"
        case .notJSON: return "not valid JSON"
        }
        return "\(path): \(detail)"
    }
}

extension LayoutDocument {
    /// Decodes with `decode` (a JSON decoder's), turning its failure into a ``LayoutError`` at
    /// its place in the document (`sections[0].rows[2]: missing "seats"`) instead of a decoder's dump.
    public static func decoding(_ decode: () throws -> LayoutDocument) throws(LayoutError) -> LayoutDocument {
        do {
            return try decode()
        } catch let error as DecodingError {
            throw LayoutError(error)
        } catch {
            throw LayoutError(path: "", problem: .notJSON)
        }
    }
}

extension LayoutError {
    init(_ error: DecodingError) {
        func place(_ path: [any CodingKey]) -> String {
            var text = ""
            for key in path {
                if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
            }
            return text.isEmpty ? "the document" : text
        }
        switch error {
        case .keyNotFound(let key, let context):
            self.init(path: place(context.codingPath), problem: .missingField(key.stringValue))
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            self.init(path: place(context.codingPath), problem: .wrongType(expected: Self.kind(of: type)))
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            self.init(path: "", problem: .notJSON)
        case .dataCorrupted(let context) where context.codingPath.dropLast().last?.stringValue == "flags":
            let allowed = [LayoutDocument.SeatFlag.accessible, .companion, .blocked].map(\.rawValue)
            self.init(path: place(context.codingPath), problem: .notAllowed(allowed: allowed))
        case .dataCorrupted(let context):
            self.init(path: place(context.codingPath), problem: .invalidValue)
        @unknown default:
            self.init(path: "the document", problem: .invalidValue)
        }
    }

    private static func kind(of type: Any.Type) -> String {
        switch type {
        case is String.Type: "text"
        case is Int.Type, is Int32.Type, is UInt32.Type: "a whole number"
        case is Bool.Type: "true or false"
        default: String(describing: type).contains("Array") ? "a list" : "an object"
        }
    }
}
