import Recommender

/// Something that ranks the whole catalogue for one person of the evaluation.
public protocol Ranker: Sendable {
    var name: String { get }
    /// The `count` best movies for `user`, never one of `excluded` (what they already saw).
    func rank(user: Int32, history: [WeightedItem], excluded: Set<Int32>, count: Int) -> [Int32]
}

extension Ranker {
    func ranked(itemCount: Int, excluded: Set<Int32>, count: Int, score: (Int32) -> Float) -> [Int32] {
        topItems(of: (0..<Int32(itemCount)).lazy.filter { !excluded.contains($0) }, scoredBy: score, count: count)
    }
}

/// Movies in a random order: the floor every model must clear.
public struct RandomRanker: Ranker {
    public let name = "random"
    let itemCount: Int
    let seed: UInt64

    public init(itemCount: Int, seed: UInt64) {
        self.itemCount = itemCount
        self.seed = seed
    }

    public func rank(user: Int32, history: [WeightedItem], excluded: Set<Int32>, count: Int) -> [Int32] {
        var random = SeededPicks(seed: seed ^ UInt64(user) &* 0x9E37_79B9_7F4A_7C15)
        return Array((0..<Int32(itemCount)).filter { !excluded.contains($0) }.shuffled(using: &random).prefix(count))
    }
}

/// The movies most people wanted, the same for everyone.
public struct MostPopularRanker: Ranker {
    public let name = "most popular"
    let wantedBy: [Float]

    public init(matrix: InteractionMatrix) {
        wantedBy = (0..<matrix.itemCount).map { Float(matrix.userCount(of: $0)) }
    }

    public func rank(user: Int32, history: [WeightedItem], excluded: Set<Int32>, count: Int) -> [Int32] {
        ranked(itemCount: wantedBy.count, excluded: excluded, count: count) { wantedBy[Int($0)] }
    }
}

/// Item-item collaborative filtering alone (the served model's collaborative part).
public struct ItemKNNRanker: Ranker {
    public let name = "item-kNN"
    let neighbours: ItemNeighbours
    let itemCount: Int

    public init(matrix: InteractionMatrix, parameters: ItemNeighbours.Parameters) {
        neighbours = ItemNeighbours(matrix: matrix, parameters: parameters)
        itemCount = matrix.itemCount
    }

    public func rank(user: Int32, history: [WeightedItem], excluded: Set<Int32>, count: Int) -> [Int32] {
        var scores = [Float](repeating: 0, count: itemCount)
        var source = [Int32](repeating: -1, count: itemCount)
        var strongest = [Float](repeating: 0, count: itemCount)
        neighbours.accumulate(history: history, into: &scores, strongestSource: &source, strongestContribution: &strongest)
        return ranked(itemCount: itemCount, excluded: excluded, count: count) { scores[Int($0)] }
    }
}

/// Content similarity alone: the person's taste vector against every movie's.
public struct ContentRanker: Ranker {
    public let name = "content only"
    let content: ContentSimilarity

    public init(content: ContentSimilarity) { self.content = content }

    public func rank(user: Int32, history: [WeightedItem], excluded: Set<Int32>, count: Int) -> [Int32] {
        var scores = [Float](repeating: 0, count: content.itemCount)
        content.accumulate(taste: content.taste(history: history), into: &scores)
        return ranked(itemCount: content.itemCount, excluded: excluded, count: count) { scores[Int($0)] }
    }
}

/// User-user collaborative filtering alone.
public struct UserKNNRanker: Ranker {
    public let name = "user-kNN"
    let neighbours: UserNeighbours

    public init(matrix: InteractionMatrix, neighboursMax: Int) {
        neighbours = UserNeighbours(matrix: matrix, neighboursMax: neighboursMax)
    }

    public func rank(user: Int32, history: [WeightedItem], excluded: Set<Int32>, count: Int) -> [Int32] {
        var scores = [Float](repeating: 0, count: neighbours.matrix.itemCount)
        neighbours.accumulate(history: history, user: user, into: &scores)
        return ranked(itemCount: neighbours.matrix.itemCount, excluded: excluded, count: count) { scores[Int($0)] }
    }
}

/// The served hybrid, as the box office builds and serves it.
public struct HybridRanker: Ranker {
    public let name: String
    let model: RecommenderModel
    let explorationShare: Double

    public init(model: RecommenderModel, explorationShare: Double = 0) {
        self.model = model
        self.explorationShare = explorationShare
        name = explorationShare > 0 ? "hybrid, \(Int(explorationShare * 100)) % exploring" : "hybrid"
    }

    public func rank(user: Int32, history: [WeightedItem], excluded: Set<Int32>, count: Int) -> [Int32] {
        let candidates = (0..<Int32(model.itemCount)).filter { !excluded.contains($0) }
        return model.recommend(
            for: PersonContext(history: history, excluded: excluded, user: user), candidates: candidates, count: count,
            explorationShare: explorationShare, explorationSeed: UInt64(user)
        ).map(\.item)
    }
}
