/// Each person's signals split by time: the latest `heldOutShare` of a person's distinct movies
/// (at least one, and never all) are held out, the rest kept to learn from, so a model is
/// judged on what people did after what it saw, as it will be in use.
public struct TemporalSplit: Sendable {
    public var learning: [Interaction]
    /// Per person, the movies held out.
    public var heldOut: [Int32: Set<Int32>]

    /// Splits the people `isSplit` accepts and who wanted at least two distinct movies; everyone
    /// else's signals are all kept for learning.
    public init(_ interactions: [Interaction], heldOutShare: Double, isSplit: (Int32) -> Bool = { _ in true }) {
        var byUser: [Int32: [Interaction]] = [:]
        var learning: [Interaction] = []
        learning.reserveCapacity(interactions.count)
        for interaction in interactions {
            if isSplit(interaction.user) { byUser[interaction.user, default: []].append(interaction) } else { learning.append(interaction) }
        }
        var heldOut: [Int32: Set<Int32>] = [:]
        for (user, signals) in byUser {
            // A movie is placed at the time the person first showed interest in it.
            var firstSeen: [Int32: Int64] = [:]
            for signal in signals { firstSeen[signal.item] = min(firstSeen[signal.item] ?? .max, signal.time) }
            let ordered = firstSeen.sorted { ($0.value, $0.key) < ($1.value, $1.key) }.map(\.key)
            guard ordered.count >= 2 else {
                learning += signals
                continue
            }
            let count = min(ordered.count - 1, max(1, Int((Double(ordered.count) * heldOutShare).rounded())))
            let held = Set(ordered.suffix(count))
            heldOut[user] = held
            learning += signals.filter { !held.contains($0.item) }
        }
        self.learning = learning
        self.heldOut = heldOut
    }
}
