import Foundation
import Recommender

/// The offline evaluation protocol: per-person temporal split (each person's latest
/// `heldOutShare` of movies held out), ranking over the full catalogue minus what the person saw
/// (no sampled metrics), Precision, Recall and NDCG at `cutoff` with bootstrap 95 % intervals,
/// catalogue coverage, popularity bias, and a share of people cut down to their first few movies
/// to measure cold start. Every baseline's parameters are tuned on a validation split of the
/// learning signals, never on the held-out ones.
public struct OfflineEvaluation: Sendable {
    public var heldOutShare = 0.2
    public var cutoff = 10
    /// The share of evaluated people cut down to their first `coldStartHistory` movies.
    public var coldStartShare = 0.2
    public var coldStartHistory = 3
    /// Validation people used to tune each baseline (bounds the tuning's cost).
    public var validationPeopleMax = 1_000
    public var itemKNNGrid: [ItemNeighbours.Parameters] = [20, 50, 100, 200].flatMap { neighbours in
        [0, 10, 50].map { ItemNeighbours.Parameters(neighboursMax: neighbours, shrinkage: $0) }
    }
    public var userKNNGrid = [20, 50, 100, 200]
    /// EASE's λ; empty leaves EASE out (its inverse is O(items³)).
    public var easeGrid: [Double] = [100, 250, 500, 1_000]
    public var explorationShare = 0.1
    /// How the hybrid is trained (as the box office trains it); its neighbour counts come from
    /// the baselines' tuning.
    public var training = RecommenderTraining()
    public var seed: UInt64 = 0xE7A1

    public init() {}

    public struct Row: Sendable {
        public var name: String
        public var parameters: String
        public var precision: Estimate
        public var recall: Estimate
        public var ndcg: Estimate
        public var coldStartNDCG: Estimate
        /// Movies recommended to anyone over the catalogue.
        public var coverage: Double
        /// Mean popularity percentile (by learning signals) of the recommended movies: 1 is the most popular.
        public var popularityPercentile: Double
        /// Per warm person, in case order, for paired comparisons.
        var ndcgPerPerson: [Double]
    }

    public struct Report: Sendable {
        public var dataset: String
        public var people: Int
        public var coldStartPeople: Int
        public var movies: Int
        public var rows: [Row]
        /// The served hybrid's NDCG minus the best baseline's, paired per person.
        public var hybridOverBestBaseline: Estimate
        public var bestBaseline: String
        public var hybridOverMostPopular: Double
        public var seconds: Double
    }

    struct Case {
        var user: Int32
        var history: [WeightedItem]
        var seen: Set<Int32>
        var relevant: Set<Int32>
    }

    public func run(_ data: EvaluationData, log: (String) -> Void = { _ in }) -> Report {
        let started = ContinuousClock.now
        let split = TemporalSplit(data.interactions, heldOutShare: heldOutShare)
        var random = SeededPicks(seed: seed)
        let coldStartPeople = Set(split.heldOut.keys.sorted().filter { _ in Double.random(in: 0..<1, using: &random) < coldStartShare })
        let learning = cutDown(split.learning, people: coldStartPeople)
        let cases = Self.cases(learning: learning, heldOut: split.heldOut, data: data)
        let warmCases = cases.filter { !coldStartPeople.contains($0.user) }
        let coldCases = cases.filter { coldStartPeople.contains($0.user) }
        log("\(data.name): \(warmCases.count) people evaluated, \(coldCases.count) cold-start, \(data.itemCount) movies")

        let tuned = tune(learning: learning, data: data, log: log)
        let matrix = InteractionMatrix(userCount: data.userCount, itemCount: data.itemCount, interactions: learning)
        let content = ContentSimilarity(items: data.descriptions)
        var training = self.training
        training.neighbourParameters = tuned.itemKNN
        training.similarPeopleMax = tuned.userKNN
        let model = training.train(interactions: learning, userCount: data.userCount, items: data.descriptions,
                                   regionCount: 1, now: learning.map(\.time).max() ?? 0)
        log("hybrid blend: warm \(Self.describe(model.warmWeights)), cold \(Self.describe(model.coldWeights))")
        var rankers: [(Ranker, String)] = [
            (RandomRanker(itemCount: data.itemCount, seed: seed), ""),
            (MostPopularRanker(matrix: matrix), ""),
            (ItemKNNRanker(matrix: matrix, parameters: tuned.itemKNN),
             "k=\(tuned.itemKNN.neighboursMax), shrink=\(Int(tuned.itemKNN.shrinkage))"),
            (UserKNNRanker(matrix: matrix, neighboursMax: tuned.userKNN), "k=\(tuned.userKNN)"),
            (ContentRanker(content: content), ""),
        ]
        if let lambda = tuned.easeLambda { rankers.append((EASERanker(matrix: matrix, regularisation: lambda), "λ=\(Int(lambda))")) }
        let blend = "warm \(Self.describe(model.warmWeights)); cold \(Self.describe(model.coldWeights))"
        rankers.append((HybridRanker(model: model), blend))
        rankers.append((HybridRanker(model: model, explorationShare: explorationShare), "as served"))

        let percentile = Self.popularityPercentiles(matrix)
        let rows = rankers.map { ranker, parameters in
            log("evaluating \(ranker.name)")
            return evaluate(ranker, parameters: parameters, warm: warmCases, cold: coldCases, itemCount: data.itemCount,
                            percentile: percentile)
        }
        let hybrid = rows.first { $0.name == "hybrid" }!
        let baselines = rows.filter { !$0.name.hasPrefix("hybrid") }
        let best = baselines.max { $0.ndcg.mean < $1.ndcg.mean }!
        let mostPopular = rows.first { $0.name == "most popular" }!
        return Report(
            dataset: data.name, people: warmCases.count, coldStartPeople: coldCases.count, movies: data.itemCount, rows: rows,
            hybridOverBestBaseline: Estimate(zip(hybrid.ndcgPerPerson, best.ndcgPerPerson).map { $0 - $1 }, seed: seed),
            bestBaseline: best.name, hybridOverMostPopular: hybrid.ndcg.mean / max(mostPopular.ndcg.mean, 1e-9),
            seconds: (ContinuousClock.now - started) / .seconds(1))
    }

    /// `learning` with each of `people` cut down to their first `coldStartHistory` movies.
    func cutDown(_ learning: [Interaction], people: Set<Int32>) -> [Interaction] {
        var kept: [Int32: Set<Int32>] = [:]
        return learning.sorted { ($0.time, $0.user, $0.item) < ($1.time, $1.user, $1.item) }.filter { interaction in
            guard people.contains(interaction.user) else { return true }
            if kept[interaction.user, default: []].contains(interaction.item) { return true }
            guard kept[interaction.user, default: []].count < coldStartHistory else { return false }
            kept[interaction.user, default: []].insert(interaction.item)
            return true
        }
    }

    /// Each split person: what they wanted before (their history, strongest signal per movie), all
    /// they saw (never recommended back), and what they went on to want enough to count.
    static func cases(learning: [Interaction], heldOut: [Int32: Set<Int32>], data: EvaluationData) -> [Case] {
        var strongest: [Int32: [Int32: Float]] = [:]
        for interaction in data.interactions where heldOut[interaction.user] != nil {
            strongest[interaction.user, default: [:]][interaction.item] = max(
                strongest[interaction.user]?[interaction.item] ?? 0, interaction.weight)
        }
        var history: [Int32: [Int32: (weight: Float, time: Int64)]] = [:]
        for interaction in learning where heldOut[interaction.user] != nil {
            let known = history[interaction.user]?[interaction.item]
            history[interaction.user, default: [:]][interaction.item] = (
                max(known?.weight ?? 0, interaction.weight), min(known?.time ?? .max, interaction.time)
            )
        }
        return heldOut.keys.sorted().compactMap { user in
            let relevant = heldOut[user]!.filter { strongest[user]?[$0] ?? 0 >= data.relevantWeightMin }
            guard !relevant.isEmpty else { return nil }
            let seen = history[user] ?? [:]
            return Case(
                user: user,
                history: seen.filter { $0.value.weight > 0 }.sorted { ($0.value.time, $0.key) < ($1.value.time, $1.key) }
                    .map { WeightedItem(item: $0.key, weight: $0.value.weight) },
                seen: Set(seen.keys), relevant: relevant)
        }
    }

    func evaluate(_ ranker: Ranker, parameters: String, warm: [Case], cold: [Case], itemCount: Int,
                  percentile: [Double]) -> Row {
        var precision: [Double] = [], recall: [Double] = [], ndcg: [Double] = [], coldNDCG: [Double] = []
        var recommended = Set<Int32>()
        var popularity = 0.0, listed = 0
        for (index, evaluated) in (warm + cold).enumerated() {
            let ranked = ranker.rank(user: evaluated.user, history: evaluated.history, excluded: evaluated.seen, count: cutoff)
            recommended.formUnion(ranked)
            for item in ranked { popularity += percentile[Int(item)] }
            listed += ranked.count
            if index < warm.count {
                precision.append(RankingQuality.precision(ranked: ranked, relevant: evaluated.relevant, cutoff: cutoff))
                recall.append(RankingQuality.recall(ranked: ranked, relevant: evaluated.relevant, cutoff: cutoff))
                ndcg.append(RankingQuality.ndcg(ranked: ranked, relevant: evaluated.relevant, cutoff: cutoff))
            } else {
                coldNDCG.append(RankingQuality.ndcg(ranked: ranked, relevant: evaluated.relevant, cutoff: cutoff))
            }
        }
        return Row(
            name: ranker.name, parameters: parameters, precision: Estimate(precision, seed: seed),
            recall: Estimate(recall, seed: seed), ndcg: Estimate(ndcg, seed: seed), coldStartNDCG: Estimate(coldNDCG, seed: seed),
            coverage: Double(recommended.count) / Double(max(itemCount, 1)),
            popularityPercentile: listed == 0 ? 0 : popularity / Double(listed), ndcgPerPerson: ndcg)
    }

    struct Tuned {
        var itemKNN: ItemNeighbours.Parameters
        var userKNN: Int
        var easeLambda: Double?
    }

    /// Each baseline's parameters by mean NDCG on a temporal validation split of `learning`.
    func tune(learning: [Interaction], data: EvaluationData, log: (String) -> Void) -> Tuned {
        let split = TemporalSplit(learning, heldOutShare: heldOutShare)
        var random = SeededPicks(seed: seed ^ 0x7A1E)
        let cases = Array(Self.cases(learning: split.learning, heldOut: split.heldOut, data: data)
            .shuffled(using: &random).prefix(validationPeopleMax))
        let matrix = InteractionMatrix(userCount: data.userCount, itemCount: data.itemCount, interactions: split.learning)
        func validationNDCG(_ ranker: Ranker) -> Double {
            cases.reduce(0.0) { sum, validation in
                let ranked = ranker.rank(user: validation.user, history: validation.history, excluded: validation.seen, count: cutoff)
                return sum + RankingQuality.ndcg(ranked: ranked, relevant: validation.relevant, cutoff: cutoff)
            } / Double(max(cases.count, 1))
        }
        func best<Parameter>(_ grid: [Parameter], _ make: (Parameter) -> Ranker) -> Parameter? {
            grid.map { ($0, validationNDCG(make($0))) }.max { $0.1 < $1.1 }?.0
        }
        let itemKNN = best(itemKNNGrid) { ItemKNNRanker(matrix: matrix, parameters: $0) } ?? .init()
        let userKNN = best(userKNNGrid) { UserKNNRanker(matrix: matrix, neighboursMax: $0) } ?? 50
        let lambda = best(easeGrid) { EASERanker(matrix: matrix, regularisation: $0) }
        log("tuned on \(cases.count) validation people: item-kNN k=\(itemKNN.neighboursMax) shrink=\(itemKNN.shrinkage), "
            + "user-kNN k=\(userKNN)" + (lambda.map { ", EASE λ=\($0)" } ?? ""))
        return Tuned(itemKNN: itemKNN, userKNN: userKNN, easeLambda: lambda)
    }

    /// Each movie's rank by how many people wanted it, as a share: 1 for the most wanted.
    static func popularityPercentiles(_ matrix: InteractionMatrix) -> [Double] {
        let order = (0..<matrix.itemCount).sorted { (matrix.userCount(of: $0), $0) < (matrix.userCount(of: $1), $1) }
        var percentile = [Double](repeating: 0, count: matrix.itemCount)
        for (rank, item) in order.enumerated() { percentile[item] = Double(rank + 1) / Double(max(matrix.itemCount, 1)) }
        return percentile
    }

    public static func describe(_ weights: BlendWeights) -> String {
        String(format: "item %.1f / user %.1f / content %.1f / popularity %.1f", weights.collaborative, weights.people,
               weights.content, weights.popularity)
    }
}
