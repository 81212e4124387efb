/// Each model's score for every movie, for one person, before blending.
public struct ComponentScores: Sendable {
    public var collaborative: [Float]
    public var people: [Float]
    public var content: [Float]
    public var popularity: [Float]
    /// For each movie, the history movie that added most to its collaborative score (-1: none).
    public var strongestSource: [Int32]
    public var taste: Taste

    /// Divides each model's scores by their largest value over `candidates`, so the blend's
    /// weights compare like with like (each model's best candidate scores one).
    public mutating func normalise(over candidates: [Int32]) {
        func scale(_ scores: inout [Float]) {
            let largest = candidates.reduce(Float(0)) { max($0, scores[Int($1)]) }
            guard largest > 0 else { return }
            for index in scores.indices { scores[index] /= largest }
        }
        scale(&collaborative)
        scale(&people)
        scale(&content)
        scale(&popularity)
    }

    public func blended(_ item: Int32, _ weights: BlendWeights) -> Float {
        weights.collaborative * collaborative[Int(item)] + weights.people * people[Int(item)]
            + weights.content * content[Int(item)]
            + weights.popularity * popularity[Int(item)]
    }
}
