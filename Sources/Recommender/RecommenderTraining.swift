/// How a `RecommenderModel` is built from signals: the models' parameters, and the tuning of the
/// blend on a temporal validation split (a sample of people's latest movies held out, the blend
/// weights that rank them best kept, then every model rebuilt on all signals).
public struct RecommenderTraining: Sendable {
    public var neighbourParameters = ItemNeighbours.Parameters()
    public var similarPeopleMax = 50
    public var contentWeights = ContentSimilarity.Weights()
    public var popularityHalfLifeSeconds: Double = 7 * 86_400
    /// The share of each validation person's latest movies held out.
    public var validationShare = 0.2
    /// People sampled for validation; bounds the tuning's cost.
    public var validationPeopleMax = 2_000
    /// Validation people with at least this many movies count for the warm blend; a sample of
    /// them, cut down to their first few movies, stands in for people new to the box office.
    public var validationHistoryMin = 3
    /// The ranking length the blend is tuned for.
    public var cutoff = 10
    /// The blend weights are tried in steps of this (0.1: 286 splits of one into four).
    public var blendGridStep: Float = 0.1
    /// The history half-lives (in movies) tried with the warm blend; nil is no decay.
    public var historyHalfLives: [Double?] = [nil, 40, 20, 10, 5]
    public var seed: UInt64 = 0x5EED

    public init() {}

    /// The models on every interaction, with the blend tuned on held-out ones when there are
    /// enough (else even weights).
    public func train(interactions: [Interaction], userCount: Int, items: [ItemDescription], regionCount: Int,
                      now: Int64) -> RecommenderModel {
        let content = ContentSimilarity(items: items, weights: contentWeights)
        let validationUsers = validationPeople(interactions, userCount: userCount)
        var (warm, cold) = (Self.evenWeights, Self.evenWeights)
        var historyHalfLife: Double?
        if !validationUsers.isEmpty {
            let split = TemporalSplit(interactions, heldOutShare: validationShare, isSplit: validationUsers.contains)
            var tuningModel = build(split.learning, userCount: userCount, content: content, regionCount: regionCount,
                                    now: now, warm: warm, cold: cold)
            let cases = validationCases(split, userCount: userCount)
            var best = (ndcg: -1.0, weights: warm, halfLife: Double?.none)
            for halfLife in historyHalfLives {
                tuningModel.historyHalfLife = halfLife
                if let tuned = Self.bestWeights(tuningModel, cases: cases.warm, cutoff: cutoff, gridStep: blendGridStep), tuned.ndcg > best.ndcg {
                    best = (tuned.ndcg, tuned.weights, halfLife)
                }
            }
            (warm, historyHalfLife) = (best.weights, best.halfLife)
            tuningModel.historyHalfLife = historyHalfLife
            cold = Self.bestWeights(tuningModel, cases: cases.cold, cutoff: cutoff, gridStep: blendGridStep)?.weights ?? cold
        }
        var model = build(interactions, userCount: userCount, content: content, regionCount: regionCount, now: now,
                          warm: warm, cold: cold)
        model.historyHalfLife = historyHalfLife
        return model
    }

    static let evenWeights = BlendWeights(collaborative: 0.25, people: 0.25, content: 0.25, popularity: 0.25)

    func build(_ interactions: [Interaction], userCount: Int, content: ContentSimilarity, regionCount: Int, now: Int64,
               warm: BlendWeights, cold: BlendWeights) -> RecommenderModel {
        let matrix = InteractionMatrix(userCount: userCount, itemCount: content.itemCount, interactions: interactions)
        return RecommenderModel(
            neighbours: ItemNeighbours(matrix: matrix, parameters: neighbourParameters),
            people: UserNeighbours(matrix: matrix, neighboursMax: similarPeopleMax), content: content,
            popularity: RecentPopularity(interactions: interactions, itemCount: content.itemCount, regionCount: regionCount,
                                         now: now, halfLifeSeconds: popularityHalfLifeSeconds),
            warmWeights: warm, coldWeights: cold, builtAt: interactions.map(\.time).max() ?? 0)
    }

    /// Up to `validationPeopleMax` people with at least `validationHistoryMin + 1` distinct movies,
    /// chosen by `seed`.
    func validationPeople(_ interactions: [Interaction], userCount: Int) -> Set<Int32> {
        var distinct: [Int32: Set<Int32>] = [:]
        for interaction in interactions { distinct[interaction.user, default: []].insert(interaction.item) }
        var random = SeededPicks(seed: seed)
        let eligible = distinct.filter { $0.value.count > validationHistoryMin }.map(\.key).sorted().shuffled(using: &random)
        return Set(eligible.prefix(validationPeopleMax))
    }

    /// Each validation person as the recommender would see them, with what they went on to want:
    /// all of them for the warm blend; a third of them, cut to their first three movies, for the cold one.
    func validationCases(_ split: TemporalSplit, userCount: Int) -> (warm: [ValidationCase], cold: [ValidationCase]) {
        var histories: [Int32: [Int32: (weight: Float, time: Int64)]] = [:]
        for interaction in split.learning where split.heldOut[interaction.user] != nil {
            let known = histories[interaction.user]?[interaction.item]
            histories[interaction.user, default: [:]][interaction.item] = (
                max(known?.weight ?? 0, interaction.weight), min(known?.time ?? .max, interaction.time)
            )
        }
        var warm: [ValidationCase] = [], cold: [ValidationCase] = []
        for (user, held) in split.heldOut.sorted(by: { $0.key < $1.key }) {
            let movies = (histories[user] ?? [:]).sorted { ($0.value.time, $0.key) < ($1.value.time, $1.key) }
            let history = movies.map { WeightedItem(item: $0.key, weight: $0.value.weight) }
            warm.append(ValidationCase(person: PersonContext(history: history, excluded: Set(history.map(\.item)), user: user), heldOut: held))
            if user % 3 == 0 {
                let first = Array(history.prefix(3))
                cold.append(ValidationCase(person: PersonContext(history: first, excluded: Set(history.map(\.item)), user: user), heldOut: held))
            }
        }
        return (warm, cold)
    }

    /// The grid point with the best mean NDCG@cutoff over `cases`, or nil without cases. Each
    /// case's candidates are the movies it has not seen; to keep the grid cheap the ranking is
    /// over the union of each model's own top `cutoff × 10`.
    public static func bestWeights(_ model: RecommenderModel, cases: [ValidationCase], cutoff: Int, gridStep: Float = 0.1)
        -> (weights: BlendWeights, ndcg: Double)?
    {
        guard !cases.isEmpty else { return nil }
        let grid = BlendWeights.grid(step: gridStep)
        var totals = [Double](repeating: 0, count: grid.count)
        let everyItem = (0..<Int32(model.itemCount))
        for validation in cases {
            var scores = model.componentScores(for: validation.person)
            let candidates = everyItem.filter { !validation.person.excluded.contains($0) }
            scores.normalise(over: candidates)
            let poolSize = cutoff * 10
            let pool = Array(Set(
                topItems(of: candidates, scoredBy: { scores.collaborative[Int($0)] }, count: poolSize)
                    + topItems(of: candidates, scoredBy: { scores.people[Int($0)] }, count: poolSize)
                    + topItems(of: candidates, scoredBy: { scores.content[Int($0)] }, count: poolSize)
                    + topItems(of: candidates, scoredBy: { scores.popularity[Int($0)] }, count: poolSize)))
            for (index, weights) in grid.enumerated() {
                let ranked = topItems(of: pool, scoredBy: { scores.blended($0, weights) }, count: cutoff)
                totals[index] += RankingQuality.ndcg(ranked: ranked, relevant: validation.heldOut, cutoff: cutoff)
            }
        }
        let best = totals.indices.max { (totals[$0], -$0) < (totals[$1], -$1) }!
        return (grid[best], totals[best] / Double(cases.count))
    }
}

/// A person as the recommender saw them, and the movies they went on to want.
public struct ValidationCase: Sendable {
    public var person: PersonContext
    public var heldOut: Set<Int32>

    public init(person: PersonContext, heldOut: Set<Int32>) {
        self.person = person
        self.heldOut = heldOut
    }
}
