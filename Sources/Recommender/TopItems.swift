/// The `count` highest-scoring items of a candidate list, best first, ties broken by lower item
/// index so answers are stable. O(n + count × log) for typical inputs: an item is inserted only
/// when it beats the weakest kept, so most candidates cost one comparison.
public func topItems(of candidates: some Sequence<Int32>, scoredBy score: (Int32) -> Float, count: Int) -> [Int32] {
    guard count > 0 else { return [] }
    var kept: [(item: Int32, score: Float)] = []
    kept.reserveCapacity(count + 1)
    func ranksBefore(_ a: (item: Int32, score: Float), _ b: (item: Int32, score: Float)) -> Bool {
        a.score > b.score || (a.score == b.score && a.item < b.item)
    }
    for item in candidates {
        let entry = (item: item, score: score(item))
        if kept.count == count, !ranksBefore(entry, kept[count - 1]) { continue }
        var position = kept.count
        while position > 0, ranksBefore(entry, kept[position - 1]) { position -= 1 }
        kept.insert(entry, at: position)
        if kept.count > count { kept.removeLast() }
    }
    return kept.map(\.item)
}
