import Foundation

/// The models a box office instance serves from memory: item-item collaborative filtering,
/// content similarity and recent popularity, blended with weights tuned on held-out signals
/// (one set for people with a history, one for people with almost none). A value: a rebuild
/// makes a new one and the service swaps it in whole.
public struct RecommenderModel: Sendable {
    /// People with at most this many movies in their history are served the cold-start blend.
    public static let coldStartHistoryMax = 5
    /// Exploration picks from the candidates ranked just below the list, up to this many lists down.
    static let explorationDepth = 5

    public let neighbours: ItemNeighbours
    public let people: UserNeighbours
    public let content: ContentSimilarity
    public let popularity: RecentPopularity
    public var warmWeights: BlendWeights
    public var coldWeights: BlendWeights
    /// A movie's weight in a person's history halves for every this many movies they wanted after
    /// it (tastes move; what someone booked last month says more than what they booked last year).
    /// Nil: no decay.
    public var historyHalfLife: Double?
    /// Seconds since 1970 of the newest signal it learnt from.
    public let builtAt: Int64

    public var itemCount: Int { content.itemCount }

    public init(neighbours: ItemNeighbours, people: UserNeighbours, content: ContentSimilarity, popularity: RecentPopularity,
                warmWeights: BlendWeights, coldWeights: BlendWeights, historyHalfLife: Double? = nil, builtAt: Int64) {
        self.neighbours = neighbours
        self.people = people
        self.content = content
        self.popularity = popularity
        self.warmWeights = warmWeights
        self.coldWeights = coldWeights
        self.historyHalfLife = historyHalfLife
        self.builtAt = builtAt
    }

    public func weights(for person: PersonContext) -> BlendWeights {
        person.history.count <= Self.coldStartHistoryMax ? coldWeights : warmWeights
    }

    /// Every model's raw score of every movie for `person` (whose history is oldest first). O(history × neighbours + taste postings + items).
    public func componentScores(for person: PersonContext) -> ComponentScores {
        var collaborative = [Float](repeating: 0, count: itemCount)
        var strongestSource = [Int32](repeating: -1, count: itemCount)
        var strongestContribution = [Float](repeating: 0, count: itemCount)
        var history = person.history.filter { $0.item >= 0 && Int($0.item) < itemCount }
        if let historyHalfLife {
            for index in history.indices {
                history[index].weight *= Float(exp2(-Double(history.count - 1 - index) / historyHalfLife))
            }
        }
        neighbours.accumulate(history: history, into: &collaborative, strongestSource: &strongestSource,
                              strongestContribution: &strongestContribution)
        let taste = content.taste(history: history, declaredGenres: person.declaredGenres,
                                  declaredLanguages: person.declaredLanguages, searchedWords: person.searchedWords)
        var contentScores = [Float](repeating: 0, count: itemCount)
        content.accumulate(taste: taste, into: &contentScores)
        var peopleScores = [Float](repeating: 0, count: itemCount)
        people.accumulate(history: history, user: person.user, into: &peopleScores)
        return ComponentScores(
            collaborative: collaborative, people: peopleScores, content: contentScores, popularity: Array(popularity.demand(in: person.region)),
            strongestSource: strongestSource, taste: taste)
    }

    /// Up to `count` movies from `candidates` (what is showing near the person) for `person`, best
    /// first, each with its reason. `explorationShare` of the places (rounded, at least one when
    /// positive) go to movies ranked just below the list, picked by `explorationSeed` so the same
    /// person sees the same list for the same seed.
    public func recommend(for person: PersonContext, candidates: [Int32], count: Int,
                          explorationShare: Double = 0, explorationSeed: UInt64 = 0) -> [Recommendation] {
        let allowed = candidates.filter { $0 >= 0 && Int($0) < itemCount && !person.excluded.contains($0) }
        guard count > 0, !allowed.isEmpty else { return [] }
        var scores = componentScores(for: person)
        scores.normalise(over: allowed)
        let weights = weights(for: person)
        let explorationSlots = explorationShare > 0 ? max(1, Int((Double(count) * explorationShare).rounded())) : 0
        let ranked = topItems(of: allowed, scoredBy: { scores.blended($0, weights) },
                              count: count * (explorationSlots > 0 ? Self.explorationDepth : 1))
        var chosen = ranked.prefix(count - min(explorationSlots, count - 1)).map { item in
            Recommendation(item: item, score: scores.blended(item, weights), reason: reason(item, scores, weights))
        }
        var belowTheList = Array(ranked.dropFirst(chosen.count))
        var random = SeededPicks(seed: explorationSeed)
        while chosen.count < count, !belowTheList.isEmpty {
            let item = belowTheList.remove(at: Int.random(in: 0..<belowTheList.count, using: &random))
            chosen.append(Recommendation(item: item, score: scores.blended(item, weights), reason: .somethingDifferent))
        }
        return chosen
    }

    /// Movies people who wanted `item` also wanted, from `candidates`, most similar first; when too
    /// few people wanted it to say, movies with the most similar content fill the list.
    public func alsoWanted(with item: Int32, candidates: [Int32], count: Int) -> [Recommendation] {
        guard item >= 0, Int(item) < itemCount else { return [] }
        let allowed = candidates.filter { $0 != item && $0 >= 0 && Int($0) < itemCount }
        var similarity: [Int32: Float] = [:]
        for (other, value) in neighbours.neighbours(of: Int(item)) { similarity[other] = value }
        let collaborative = topItems(of: allowed.filter { similarity[$0] != nil }, scoredBy: { similarity[$0]! }, count: count)
            .map { Recommendation(item: $0, score: similarity[$0]!, reason: .becauseYouWanted(item: item)) }
        guard collaborative.count < count else { return collaborative }
        let taken = Set(collaborative.map(\.item))
        var alike: [Int32: Float] = [:]
        for other in allowed where !taken.contains(other) {
            let value = content.similarity(Int(item), Int(other))
            if value > 0 { alike[other] = value }
        }
        let byContent = topItems(of: alike.keys, scoredBy: { alike[$0]! }, count: count - collaborative.count)
            .map { Recommendation(item: $0, score: alike[$0]!, reason: .becauseYouWanted(item: item)) }
        return collaborative + byContent
    }

    /// Why `item` was chosen: the model that added most to its blended score.
    func reason(_ item: Int32, _ scores: ComponentScores, _ weights: BlendWeights) -> Recommendation.Reason {
        let index = Int(item)
        let contributions = [
            weights.collaborative * scores.collaborative[index], weights.people * scores.people[index],
            weights.content * scores.content[index], weights.popularity * scores.popularity[index],
        ]
        let strongest = contributions.indices.max { contributions[$0] < contributions[$1] }!
        guard contributions[strongest] > 0 else { return .popularNearYou }
        switch strongest {
        case 0 where scores.strongestSource[index] >= 0: return .becauseYouWanted(item: scores.strongestSource[index])
        case 0, 1: return .peopleLikeYou
        case 2:
            if let trait = content.strongestSharedTrait(of: index, with: scores.taste) { return .matchesYourTaste(trait: trait) }
            return .popularNearYou
        default: return .popularNearYou
        }
    }

    public var memoryBytes: Int { neighbours.memoryBytes + people.memoryBytes + content.memoryBytes + popularity.memoryBytes }
}
