import Hummingbird

/// Query parameters read the same way on every route, refused with a problem that names them.
public enum QueryParameters {
    /// The parameter `name` as an integer in `range`; nil when absent.
    public static func integer(_ parameters: Parameters, _ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = parameters[Substring(name)] else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw Problem.validation(field: name, "must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }
}
