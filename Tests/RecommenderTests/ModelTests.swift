import Foundation
import Recommender
import Testing

/// The models on small hand-made cases whose right answers can be worked out by hand.
@Suite("Recommender models")
struct ModelTests {
    static func booking(_ user: Int32, _ item: Int32, weight: Float = 1, time: Int64 = 0, region: Int32 = 0) -> Interaction {
        Interaction(user: user, item: item, weight: weight, time: time, region: region)
    }

    @Test func matrixKeepsTheStrongestSignalPerPairAndIgnoresStrangers() {
        let matrix = InteractionMatrix(userCount: 2, itemCount: 3, interactions: [
            Self.booking(0, 1, weight: 0.2), Self.booking(0, 1, weight: 1), Self.booking(0, 1, weight: 0.5),
            Self.booking(1, 2), Self.booking(0, 0, weight: 0.3),
            Self.booking(5, 0), Self.booking(0, 9), Self.booking(1, 0, weight: 0),
        ])
        #expect(matrix.pairCount == 3)
        #expect(matrix.items(of: 0).map { $0.0 } == [0, 1])
        #expect(matrix.items(of: 0).map { $0.1 } == [0.3, 1])
        #expect(matrix.users(of: 1).map { $0.0 } == [0])
        #expect(matrix.users(of: 2).map { $0.0 } == [1])
        #expect(matrix.userCount(of: 0) == 1)
    }

    @Test func itemNeighboursFindMoviesWantedTogether() {
        // Movies 0 and 1 are always booked together by people 0...9; 2 and 3 by people 10...19;
        // person 20 booked 1 and 2 once.
        var interactions: [Interaction] = []
        for user in Int32(0)..<10 { interactions += [Self.booking(user, 0), Self.booking(user, 1)] }
        for user in Int32(10)..<20 { interactions += [Self.booking(user, 2), Self.booking(user, 3)] }
        interactions += [Self.booking(20, 1), Self.booking(20, 2)]
        let matrix = InteractionMatrix(userCount: 21, itemCount: 4, interactions: interactions)
        let neighbours = ItemNeighbours(matrix: matrix, parameters: .init(neighboursMax: 10, shrinkage: 0))
        let ofZero = Dictionary(uniqueKeysWithValues: neighbours.neighbours(of: 0).map { ($0.0, $0.1) })
        #expect(ofZero.keys.sorted() == [1])
        // cos(0, 1) = 10 / (√10 · √11).
        #expect(abs(ofZero[1]! - 10 / (Float(10).squareRoot() * Float(11).squareRoot())) < 1e-5)
        let ofOne = Dictionary(uniqueKeysWithValues: neighbours.neighbours(of: 1).map { ($0.0, $0.1) })
        #expect(ofOne[0]! > ofOne[2]!)
        #expect(neighbours.neighbours(of: 3).map { $0.0 } == [2])
    }

    @Test func shrinkageDiscountsPairsFewPeopleShare() {
        // 0 and 1 share one person who booked only them; 2 and 3 share ten who booked only them:
        // both pairs have cosine 1, but with shrinkage the better-supported pair is more similar.
        var interactions = [Self.booking(0, 0), Self.booking(0, 1)]
        for user in Int32(1)...10 { interactions += [Self.booking(user, 2), Self.booking(user, 3)] }
        let matrix = InteractionMatrix(userCount: 11, itemCount: 4, interactions: interactions)
        let plain = ItemNeighbours(matrix: matrix, parameters: .init(neighboursMax: 5, shrinkage: 0))
        let shrunk = ItemNeighbours(matrix: matrix, parameters: .init(neighboursMax: 5, shrinkage: 10))
        #expect(plain.neighbours(of: 0).map { $0.1 }[0] == plain.neighbours(of: 2).map { $0.1 }[0])
        #expect(shrunk.neighbours(of: 0).map { $0.1 }[0] < shrunk.neighbours(of: 2).map { $0.1 }[0])
        #expect(abs(shrunk.neighbours(of: 0).map { $0.1 }[0] - 1 / 11) < 1e-6)
    }

    @Test func neighbourListsAreCutAtTheirLimit() {
        var interactions: [Interaction] = []
        for item in Int32(0)..<30 { interactions.append(Self.booking(0, item)) }
        let matrix = InteractionMatrix(userCount: 1, itemCount: 30, interactions: interactions)
        let neighbours = ItemNeighbours(matrix: matrix, parameters: .init(neighboursMax: 7, shrinkage: 0))
        #expect(neighbours.neighbours(of: 0).map { $0.0 }.count == 7)
    }

    static let descriptions = [
        ItemDescription(genres: ["Drama"], languages: ["Hindi"], people: ["A. Director"], certification: "UA",
                        text: "A family saga across three generations of weavers"),
        ItemDescription(genres: ["Drama"], languages: ["Hindi"], people: ["B. Actor"], certification: "UA",
                        text: "Weavers of Varanasi and their family"),
        ItemDescription(genres: ["Horror"], languages: ["English"], people: ["C. Actor"], certification: "A",
                        text: "A haunted lighthouse on a northern island"),
        ItemDescription(genres: ["Comedy"], languages: ["Tamil"], people: ["A. Director"], certification: "U",
                        text: "Two brothers open a restaurant"),
    ]

    @Test func contentSimilarityFollowsSharedTraits() {
        let content = ContentSimilarity(items: Self.descriptions)
        #expect(content.similarity(0, 1) > content.similarity(0, 3))
        #expect(content.similarity(0, 3) > content.similarity(0, 2))
        #expect(content.similarity(0, 2) == 0)
        #expect(abs(content.similarity(2, 2) - 1) < 1e-5)
    }

    @Test func declaredTastesAloneRankMatchingMovies() {
        let content = ContentSimilarity(items: Self.descriptions)
        let taste = content.taste(history: [], declaredGenres: ["horror"], declaredLanguages: [])
        var scores = [Float](repeating: 0, count: 4)
        content.accumulate(taste: taste, into: &scores)
        #expect(scores.indices.max { scores[$0] < scores[$1] } == 2)
        #expect(content.strongestSharedTrait(of: 2, with: taste) == "Horror")
        #expect(content.taste(history: [], declaredGenres: ["Western"]).isEmpty)
    }

    @Test func popularityHalvesEveryHalfLifeAndKeepsRegionsApart() {
        let day: Int64 = 86_400
        let popularity = RecentPopularity(
            interactions: [
                Self.booking(0, 0, time: 10 * day, region: 0),
                Self.booking(1, 1, time: 3 * day, region: 0), Self.booking(2, 1, time: 3 * day, region: 0),
                Self.booking(3, 2, time: 10 * day, region: 1), Self.booking(4, 2, time: 10 * day, region: 1),
            ],
            itemCount: 3, regionCount: 2, now: 10 * day, halfLifeSeconds: Double(7 * day))
        let nearZero = popularity.demand(in: 0)
        #expect(abs(nearZero[nearZero.startIndex] - 1) < 1e-6)
        #expect(abs(nearZero[nearZero.startIndex + 1] - 1) < 1e-6)  // two bookings, one half-life old
        #expect(nearZero[nearZero.startIndex + 2] == 0)
        let everywhere = popularity.demand(in: nil)
        #expect(abs(everywhere[everywhere.startIndex + 2] - 2) < 1e-6)
        #expect(Array(popularity.demand(in: 7)) == Array(everywhere))
    }

    @Test func temporalSplitHoldsOutEachPersonsLatestMovies() {
        let interactions = (0..<10).map { Self.booking(0, Int32($0), time: Int64($0)) }
            + [Self.booking(1, 3, time: 5)] + [Self.booking(2, 0, time: 1), Self.booking(2, 1, time: 0)]
        let split = TemporalSplit(interactions, heldOutShare: 0.2)
        #expect(split.heldOut[0] == [8, 9])
        #expect(split.heldOut[1] == nil)  // one movie: nothing to hold out
        #expect(split.heldOut[2] == [0])
        #expect(split.learning.count == interactions.count - 3)
        #expect(!split.learning.contains { $0.user == 0 && $0.item >= 8 })
    }

    @Test func rankingQualityOnWorkedExamples() {
        #expect(RankingQuality.ndcg(ranked: [1, 2, 3], relevant: [1], cutoff: 3) == 1)
        #expect(abs(RankingQuality.ndcg(ranked: [2, 1, 3], relevant: [1], cutoff: 3) - 1 / log2(3)) < 1e-12)
        let twoHits = (1 + 1 / log2(4.0)) / (1 + 1 / log2(3.0))
        #expect(abs(RankingQuality.ndcg(ranked: [1, 5, 2], relevant: [1, 2], cutoff: 3) - twoHits) < 1e-12)
        #expect(RankingQuality.ndcg(ranked: [4, 5], relevant: [1], cutoff: 2) == 0)
        #expect(RankingQuality.precision(ranked: [1, 5, 2, 7], relevant: [1, 2, 9], cutoff: 4) == 0.5)
        #expect(abs(RankingQuality.recall(ranked: [1, 5, 2, 7], relevant: [1, 2, 9], cutoff: 4) - 2.0 / 3) < 1e-12)
    }

    @Test func topItemsIsASortedPrefixWithStableTies() {
        let scores: [Float] = [0.5, 0.9, 0.5, 0.1, 0.9, 0.7]
        #expect(topItems(of: Int32(0)..<6, scoredBy: { scores[Int($0)] }, count: 4) == [1, 4, 5, 0])
        #expect(topItems(of: Int32(0)..<6, scoredBy: { scores[Int($0)] }, count: 0) == [])
        #expect(topItems(of: [Int32](), scoredBy: { _ in 1 }, count: 3) == [])
    }

    @Test func signalWeightsOrderTheKindsOfInterest() {
        let weights = SignalWeights()
        #expect(weights.weight(of: .booking)! > weights.weight(of: .hold)!)
        #expect(weights.weight(of: .hold)! > weights.weight(of: .detailView)!)
        #expect(weights.weight(of: .impression) == nil)
        #expect(weights.weight(of: .rating, rating: 5) == 1)
        #expect(weights.weight(of: .rating, rating: 2) == nil)
        #expect(weights.weight(of: .rating, rating: 6) == nil)
        #expect(weights.isDismissal(.rating, rating: 1))
        #expect(!weights.isDismissal(.rating, rating: 3))
        #expect(weights.isDismissal(.dismissal))
        #expect(!weights.isDismissal(.rating, rating: 0))
    }
}
