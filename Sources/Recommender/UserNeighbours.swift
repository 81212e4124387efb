/// User-user collaborative filtering: the `neighboursMax` people whose movies overlap a person's
/// most (cosine over what they wanted) vote for their other movies, each vote weighted by that
/// similarity. Nothing is precomputed but each person's norm; a query costs
/// O(Σ over the history of the people who wanted each movie + neighbours × their movies).
public struct UserNeighbours: Sendable {
    public let matrix: InteractionMatrix
    public let neighboursMax: Int
    let norm: [Float]

    public init(matrix: InteractionMatrix, neighboursMax: Int = 50) {
        self.matrix = matrix
        self.neighboursMax = neighboursMax
        norm = (0..<matrix.userCount).map { user in matrix.items(of: user).reduce(Float(0)) { $0 + $1.1 * $1.1 }.squareRoot() }
    }

    /// Adds each movie's votes from the people most like `history` to `scores`; `user`, when the
    /// history is a known person's, is not their own neighbour.
    public func accumulate(history: [WeightedItem], user: Int32? = nil, into scores: inout [Float]) {
        var dot = [Float](repeating: 0, count: matrix.userCount)
        var touched: [Int32] = []
        var historyNorm: Float = 0
        for entry in history where entry.item >= 0 && Int(entry.item) < matrix.itemCount {
            historyNorm += entry.weight * entry.weight
            for (other, weight) in matrix.users(of: Int(entry.item)) where other != user {
                if dot[Int(other)] == 0 { touched.append(other) }
                dot[Int(other)] += entry.weight * weight
            }
        }
        historyNorm = historyNorm.squareRoot()
        guard historyNorm > 0 else { return }
        func similarity(_ other: Int32) -> Float { dot[Int(other)] / (historyNorm * norm[Int(other)]) }
        for other in topItems(of: touched, scoredBy: similarity, count: neighboursMax) {
            let vote = similarity(other)
            for (item, weight) in matrix.items(of: Int(other)) { scores[Int(item)] += vote * weight }
        }
    }

    public var memoryBytes: Int { matrix.memoryBytes + norm.count * MemoryLayout<Float>.stride }
}
