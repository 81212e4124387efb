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
        }
        return "\(path): \(detail)"
    }
}
