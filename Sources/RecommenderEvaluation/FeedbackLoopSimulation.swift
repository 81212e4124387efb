import Foundation
import Recommender

/// Whether recommending from what people did narrows what they are shown: over several rounds the
/// hybrid is rebuilt on the signals so far, shows each person ten movies, and each person books a
/// shown movie with a chance proportional to their planted taste for it, and also picks
/// `ownChoicesPerRound` movies by themselves. Needs generated data: only there is each person's
/// true taste known, so their response to what they were shown can be simulated.
public struct FeedbackLoopSimulation: Sendable {
    public var rounds = 5
    public var listLength = 10
    /// A shown movie is booked with probability `acceptance × taste for its genre`.
    public var acceptance = 0.5
    public var ownChoicesPerRound = 2
    /// The movies each person would pick next by themselves, drawn afresh each round, against which
    /// the round's lists are scored (NDCG).
    public var futureChoices = 5
    public var seed: UInt64 = 0xF33D

    public init() {}

    public struct Round: Sendable {
        public var round: Int
        public var ndcg: Double
        /// Movies shown to anyone over the catalogue.
        public var coverage: Double
        /// The Gini coefficient of how often each movie was shown: 0 even, 1 all on one movie.
        public var exposureGini: Double
        /// The share of all showings taken by the 1 % most-shown movies.
        public var topPercentShare: Double
    }

    public func run(_ dataset: PlantedTasteGenerator.Dataset, explorationShare: Double) -> [Round] {
        var random = SeededPicks(seed: seed)
        var interactions = dataset.interactions
        var seen = [Set<Int>](repeating: [], count: dataset.userCount)
        for interaction in interactions { seen[Int(interaction.user)].insert(Int(interaction.item)) }
        let everyMovie = Array(Int32(0)..<Int32(dataset.descriptions.count))
        var training = RecommenderTraining()
        training.validationPeopleMax = 500
        var results: [Round] = []
        for round in 1...rounds {
            let now = dataset.end + Int64(round) * 86_400
            let model = training.train(interactions: interactions, userCount: dataset.userCount, items: dataset.descriptions,
                                       regionCount: 1, now: now)
            let histories = Dictionary(grouping: interactions, by: \.user)
            var shown = [Int](repeating: 0, count: dataset.descriptions.count)
            var ndcgTotal = 0.0
            var added: [Interaction] = []
            for person in 0..<dataset.userCount {
                let history = (histories[Int32(person)] ?? []).sorted { $0.time < $1.time }
                    .map { WeightedItem(item: $0.item, weight: $0.weight) }
                let list = model.recommend(
                    for: PersonContext(history: history, excluded: Set(seen[person].map(Int32.init)), user: Int32(person)),
                    candidates: everyMovie, count: listLength, explorationShare: explorationShare,
                    explorationSeed: seed ^ UInt64(round * 1_000_003 + person))
                var future = Set<Int32>()
                for _ in 0..<futureChoices {
                    if let movie = dataset.choice(taste: dataset.lateTaste[person], seen: seen[person].union(future.map(Int.init)),
                                                  random: &random) {
                        future.insert(Int32(movie))
                    }
                }
                ndcgTotal += RankingQuality.ndcg(ranked: list.map(\.item), relevant: future, cutoff: listLength)
                for recommendation in list {
                    shown[Int(recommendation.item)] += 1
                    let movie = Int(recommendation.item)
                    if Double.random(in: 0..<1, using: &random) < acceptance * dataset.affinity(of: person, for: movie) {
                        seen[person].insert(movie)
                        added.append(Interaction(user: Int32(person), item: Int32(movie), weight: 1, time: now))
                    }
                }
                for movie in future.prefix(ownChoicesPerRound) where seen[person].insert(Int(movie)).inserted {
                    added.append(Interaction(user: Int32(person), item: movie, weight: 1, time: now))
                }
            }
            interactions += added
            let sorted = shown.sorted()
            let total = Double(sorted.reduce(0, +))
            let topCount = max(1, sorted.count / 100)
            results.append(Round(
                round: round, ndcg: ndcgTotal / Double(dataset.userCount),
                coverage: Double(shown.count { $0 > 0 }) / Double(shown.count), exposureGini: Self.gini(sorted),
                topPercentShare: Double(sorted.suffix(topCount).reduce(0, +)) / max(total, 1)))
        }
        return results
    }

    /// The Gini coefficient of counts sorted ascending.
    static func gini(_ sortedCounts: [Int]) -> Double {
        let n = Double(sortedCounts.count)
        let total = Double(sortedCounts.reduce(0, +))
        guard total > 0 else { return 0 }
        let weighted = sortedCounts.enumerated().reduce(0.0) { $0 + Double($1.offset + 1) * Double($1.element) }
        return (2 * weighted) / (n * total) - (n + 1) / n
    }

    /// The rounds of runs without and with exploration, side by side, as a Markdown table.
    public static func markdown(without: [Round], with: [Round], explorationShare: Double) -> String {
        var lines = [
            "| round | NDCG@10 | coverage | exposure Gini | top 1 % share | NDCG@10, \(Int(explorationShare * 100)) % exploring | coverage | exposure Gini | top 1 % share |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for (plain, exploring) in zip(without, with) {
            lines.append(String(
                format: "| %d | %.4f | %.1f %% | %.3f | %.1f %% | %.4f | %.1f %% | %.3f | %.1f %% |", plain.round, plain.ndcg,
                plain.coverage * 100, plain.exposureGini, plain.topPercentShare * 100, exploring.ndcg, exploring.coverage * 100,
                exploring.exposureGini, exploring.topPercentShare * 100))
        }
        return lines.joined(separator: "\n")
    }
}
