import Foundation
import SeatInventory

/// A layout document read for a preview: decoded and validated as the seat server will, with
/// any fault said in words at its place in the document (`sections[0].rows[2]: missing "seats"`)
/// rather than as a decoder's dump.
enum LayoutImport {
    static func read(_ json: String) -> Result<SeatLayout, LayoutProblem> {
        do throws(LayoutError) {
            let document = try LayoutDocument.decoding { try JSONDecoder().decode(LayoutDocument.self, from: Data(json.utf8)) }
            return .success(try SeatLayout(document: document))
        } catch {
            return .failure(LayoutProblem(message: error.problem == .notJSON ? "This is not valid JSON." : error.description))
        }
    }

    struct LayoutProblem: Error, Sendable, Equatable {
        let message: String
    }
}
