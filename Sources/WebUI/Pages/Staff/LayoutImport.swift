import Foundation
import SeatInventory

/// A layout document read for a preview: decoded and validated as the seat server will, with
/// any fault said in words at its place in the document (`sections[0].rows[2]: missing "seats"`)
/// rather than as a decoder's dump.
enum LayoutImport {
    static func read(_ json: String) -> Result<SeatLayout, LayoutProblem> {
        let document: LayoutDocument
        do {
            document = try JSONDecoder().decode(LayoutDocument.self, from: Data(json.utf8))
        } catch let error as DecodingError {
            return .failure(LayoutProblem(message: describe(error)))
        } catch {
            return .failure(LayoutProblem(message: "This is not a layout document."))
        }
        do {
            return .success(try SeatLayout(document: document))
        } catch {
            return .failure(LayoutProblem(message: error.description))
        }
    }

    struct LayoutProblem: Error, Sendable, Equatable {
        let message: String
    }

    static func describe(_ error: DecodingError) -> String {
        func place(_ path: [any CodingKey]) -> String {
            var text = ""
            for key in path {
                if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
            }
            return text.isEmpty ? "the document" : text
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "\(place(context.codingPath)): missing \"\(key.stringValue)\""
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            return "\(place(context.codingPath)): expected \(typeName(type))"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "This is not valid JSON." : "\(place(context.codingPath)): not a valid value"
        @unknown default:
            return "This is not a layout document."
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "text"
        case is Int.Type, is Int32.Type, is UInt32.Type: "a whole number"
        case is Bool.Type: "true or false"
        default: String(describing: type).contains("Array") ? "a list" : "an object"
        }
    }
}
