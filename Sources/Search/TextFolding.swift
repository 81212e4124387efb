import Foundation

/// How text is compared in search: case and diacritics folded away ("Amélie" and "amelie" are
/// one word), split into words at anything that is not a letter or a digit.
public enum TextFolding {
    /// Words longer than this are cut: no title word is, and it bounds the work per word.
    public static let wordCharactersMax = 40

    public static func fold(_ text: String) -> String {
        text.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil).lowercased()
    }

    /// The folded words of `text`, in order.
    public static func words(_ text: String) -> [String] {
        fold(text).split { !($0.isLetter || $0.isNumber) }.map { String($0.prefix(wordCharactersMax)) }
    }

    /// The edits a query word may be away from an indexed word and still match it: none below
    /// four letters, one from four, two from eight.
    public static func typosAllowed(forWordOfLength length: Int) -> Int {
        length >= 8 ? 2 : length >= 4 ? 1 : 0
    }
}

/// Optimal string alignment distance (Levenshtein with adjacent transpositions), or nil when it
/// exceeds `limit`. O(|a|·|b|) with an early exit once every cell of a row is over the limit.
public func editDistance(_ a: [Character], _ b: [Character], limit: Int) -> Int? {
    if abs(a.count - b.count) > limit { return nil }
    if a.isEmpty || b.isEmpty { return max(a.count, b.count) <= limit ? max(a.count, b.count) : nil }
    var previousPrevious = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        var rowMinimum = current[0]
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                value = min(value, previousPrevious[j - 2] + 1)
            }
            current[j] = value
            rowMinimum = min(rowMinimum, value)
        }
        if rowMinimum > limit { return nil }
        (previousPrevious, previous, current) = (previous, current, previousPrevious)
    }
    return previous[b.count] <= limit ? previous[b.count] : nil
}
