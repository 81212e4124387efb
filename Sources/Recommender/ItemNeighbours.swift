/// Item-item collaborative filtering: two movies are alike when the same people wanted both.
/// Similarity is cosine with shrinkage, `a·b / (|a||b| + shrinkage)`, which discounts pairs seen
/// together by only a few people; each movie keeps its `neighboursMax` most similar.
///
/// Building costs O(Σ over users of their item count squared) plus sorting each item's candidates.
public struct ItemNeighbours: Sendable {
    public struct Parameters: Sendable, Equatable, Hashable {
        public var neighboursMax: Int
        public var shrinkage: Float

        public init(neighboursMax: Int = 100, shrinkage: Float = 10) {
            self.neighboursMax = neighboursMax
            self.shrinkage = shrinkage
        }
    }

    public let parameters: Parameters
    let start: [Int]
    let neighbour: [Int32]
    let similarity: [Float]

    public init(matrix: InteractionMatrix, parameters: Parameters = .init()) {
        self.parameters = parameters
        let itemCount = matrix.itemCount
        var norm = [Float](repeating: 0, count: itemCount)
        for item in 0..<itemCount {
            var sum: Float = 0
            for (_, weight) in matrix.users(of: item) { sum += weight * weight }
            norm[item] = sum.squareRoot()
        }
        var start = [0]
        var neighbour: [Int32] = [], similarity: [Float] = []
        var dot = [Float](repeating: 0, count: itemCount)
        var touched: [Int32] = []
        for item in 0..<itemCount {
            for (user, userWeight) in matrix.users(of: item) {
                for (other, otherWeight) in matrix.items(of: Int(user)) where Int(other) != item {
                    if dot[Int(other)] == 0 { touched.append(other) }
                    dot[Int(other)] += userWeight * otherWeight
                }
            }
            var scored = touched.map { other in
                (other, dot[Int(other)] / (norm[item] * norm[Int(other)] + parameters.shrinkage))
            }
            for other in touched { dot[Int(other)] = 0 }
            touched.removeAll(keepingCapacity: true)
            if scored.count > parameters.neighboursMax {
                scored.sort { $0.1 > $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
                scored.removeLast(scored.count - parameters.neighboursMax)
            }
            for (other, value) in scored where value > 0 {
                neighbour.append(other)
                similarity.append(value)
            }
            start.append(neighbour.count)
        }
        self.start = start
        self.neighbour = neighbour
        self.similarity = similarity
    }

    /// The movies most like `item`, with their similarity (not in any particular order).
    public func neighbours(of item: Int) -> Zip2Sequence<ArraySlice<Int32>, ArraySlice<Float>> {
        zip(neighbour[start[item]..<start[item + 1]], similarity[start[item]..<start[item + 1]])
    }

    /// Adds to `scores[j]` the similarity of j to each movie of `history`, times its weight, and
    /// records in `strongestSource[j]` the history movie that added most (for "because you booked X").
    /// O(|history| × neighboursMax).
    public func accumulate(history: [WeightedItem], into scores: inout [Float], strongestSource: inout [Int32],
                           strongestContribution: inout [Float]) {
        for entry in history {
            for (other, value) in neighbours(of: Int(entry.item)) {
                let contribution = entry.weight * value
                scores[Int(other)] += contribution
                if contribution > strongestContribution[Int(other)] {
                    strongestContribution[Int(other)] = contribution
                    strongestSource[Int(other)] = entry.item
                }
            }
        }
    }

    public var memoryBytes: Int {
        start.count * MemoryLayout<Int>.stride + neighbour.count * (MemoryLayout<Int32>.stride + MemoryLayout<Float>.stride)
    }
}

/// A movie in a person's history with how strongly they wanted it.
public struct WeightedItem: Sendable, Equatable, Hashable {
    public var item: Int32
    public var weight: Float

    public init(item: Int32, weight: Float) {
        self.item = item
        self.weight = weight
    }
}
