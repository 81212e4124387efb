import Foundation

/// Accuracy of one ranked list against the items a person went on to want.
public enum RankingQuality {
    /// Normalised discounted cumulative gain at `cutoff`, binary relevance: the gain of the list
    /// over the gain of the best possible list of the same length. 0 when nothing is relevant.
    public static func ndcg(ranked: [Int32], relevant: Set<Int32>, cutoff: Int) -> Double {
        guard !relevant.isEmpty else { return 0 }
        var gain = 0.0
        for (position, item) in ranked.prefix(cutoff).enumerated() where relevant.contains(item) {
            gain += 1 / log2(Double(position) + 2)
        }
        var ideal = 0.0
        for position in 0..<min(cutoff, relevant.count) { ideal += 1 / log2(Double(position) + 2) }
        return gain / ideal
    }

    /// Hits in the first `cutoff` over `cutoff`.
    public static func precision(ranked: [Int32], relevant: Set<Int32>, cutoff: Int) -> Double {
        Double(hits(ranked: ranked, relevant: relevant, cutoff: cutoff)) / Double(cutoff)
    }

    /// Hits in the first `cutoff` over all relevant items.
    public static func recall(ranked: [Int32], relevant: Set<Int32>, cutoff: Int) -> Double {
        relevant.isEmpty ? 0 : Double(hits(ranked: ranked, relevant: relevant, cutoff: cutoff)) / Double(relevant.count)
    }

    static func hits(ranked: [Int32], relevant: Set<Int32>, cutoff: Int) -> Int {
        ranked.prefix(cutoff).count { relevant.contains($0) }
    }
}
