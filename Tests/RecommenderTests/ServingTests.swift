import Recommender
import Testing

/// What the served model may and may not answer: only candidates, never an excluded movie, a
/// reason for each, exploration in its place and repeatable.
@Suite("Recommender serving")
struct ServingTests {
    /// Twelve movies in three genres; people 0...29 book within one genre each.
    static func model(weights: BlendWeights? = nil) -> RecommenderModel {
        let genres = ["Drama", "Horror", "Comedy"]
        let descriptions = (0..<12).map { ItemDescription(genres: [genres[$0 % 3]], languages: ["English"]) }
        var interactions: [Interaction] = []
        for user in Int32(0)..<30 {
            let genre = Int32(user % 3)
            for movie in stride(from: genre, to: 12, by: 3) where (movie + user) % 4 != 0 {
                interactions.append(Interaction(user: user, item: movie, weight: 1, time: Int64(user)))
            }
        }
        var training = RecommenderTraining()
        training.validationPeopleMax = 0
        var model = training.train(interactions: interactions, userCount: 30, items: descriptions, regionCount: 1, now: 40)
        if let weights {
            model.warmWeights = weights
            model.coldWeights = weights
        }
        return model
    }

    static let everyMovie = Array(Int32(0)..<12)

    @Test func answersOnlyCandidatesAndNeverExcludedMovies() {
        let model = Self.model()
        let person = PersonContext(history: [WeightedItem(item: 0, weight: 1)], excluded: [0, 3])
        let candidates: [Int32] = [0, 3, 6, 9, 1, 4]
        let answer = model.recommend(for: person, candidates: candidates, count: 10)
        #expect(!answer.isEmpty)
        #expect(answer.allSatisfy { candidates.contains($0.item) && !person.excluded.contains($0.item) })
        #expect(Set(answer.map(\.item)).count == answer.count)
        #expect(model.recommend(for: person, candidates: [0, 3], count: 10).isEmpty)
        #expect(model.recommend(for: person, candidates: [-1, 99], count: 10).isEmpty)
    }

    @Test func aDramaBookerIsRecommendedDramaBecauseOfWhatTheyBooked() {
        let model = Self.model(weights: BlendWeights(collaborative: 1, people: 0, content: 0, popularity: 0))
        let person = PersonContext(history: [WeightedItem(item: 0, weight: 1)], excluded: [0])
        let answer = model.recommend(for: person, candidates: Self.everyMovie, count: 3)
        #expect(answer.map(\.item).sorted() == [3, 6, 9])
        #expect(answer.allSatisfy { $0.reason == .becauseYouWanted(item: 0) })
    }

    @Test func aNewcomerWithDeclaredGenresGetsThemWithTheTraitAsReason() {
        let model = Self.model(weights: BlendWeights(collaborative: 0, people: 0, content: 0.8, popularity: 0.2))
        let answer = model.recommend(for: PersonContext(declaredGenres: ["comedy"]), candidates: Self.everyMovie, count: 4)
        #expect(answer.map(\.item).sorted() == [2, 5, 8, 11])
        #expect(answer.allSatisfy { $0.reason == .matchesYourTaste(trait: "Comedy") })
    }

    @Test func withNothingKnownPopularityAnswers() {
        let model = Self.model()
        let answer = model.recommend(for: PersonContext(), candidates: Self.everyMovie, count: 5)
        #expect(answer.count == 5)
        #expect(answer.allSatisfy { $0.reason == .popularNearYou })
    }

    @Test func aDismissalChangesTheNextAnswer() {
        let model = Self.model()
        var person = PersonContext(history: [WeightedItem(item: 0, weight: 1)], excluded: [0])
        let before = model.recommend(for: person, candidates: Self.everyMovie, count: 3)
        person.excluded.insert(before[0].item)
        let after = model.recommend(for: person, candidates: Self.everyMovie, count: 3)
        #expect(!after.map(\.item).contains(before[0].item))
        #expect(after.map(\.item) != before.map(\.item))
    }

    @Test func explorationTakesTheLastPlacesRepeatablyPerSeed() {
        let model = Self.model()
        let person = PersonContext(history: [WeightedItem(item: 0, weight: 1)], excluded: [0])
        let plain = model.recommend(for: person, candidates: Self.everyMovie, count: 5)
        let exploring = model.recommend(for: person, candidates: Self.everyMovie, count: 5, explorationShare: 0.2,
                                        explorationSeed: 7)
        #expect(exploring.count == 5)
        #expect(exploring.prefix(4).map(\.item) == plain.prefix(4).map(\.item))
        #expect(exploring[4].reason == .somethingDifferent)
        #expect(!plain.prefix(4).map(\.item).contains(exploring[4].item))
        #expect(model.recommend(for: person, candidates: Self.everyMovie, count: 5, explorationShare: 0.2,
                                explorationSeed: 7) == exploring)
        let seeds = Set((0..<20).map {
            model.recommend(for: person, candidates: Self.everyMovie, count: 5, explorationShare: 0.2,
                            explorationSeed: UInt64($0))[4].item
        })
        #expect(seeds.count > 1)
    }

    @Test func peopleWhoWantedAMovieAlsoWantedItsGenre() {
        let model = Self.model()
        let answer = model.alsoWanted(with: 1, candidates: Self.everyMovie, count: 3)
        #expect(answer.map(\.item).sorted() == [4, 7, 10])
        #expect(!model.alsoWanted(with: 1, candidates: Self.everyMovie, count: 20).contains { $0.item == 1 })
        #expect(model.alsoWanted(with: 99, candidates: Self.everyMovie, count: 3).isEmpty)
    }

    @Test func aMovieNobodyWantedYetIsMatchedByContent() {
        var descriptions = (0..<3).map { ItemDescription(genres: [["Drama", "Horror", "Comedy"][$0]]) }
        descriptions.append(ItemDescription(genres: ["Horror"]))
        let interactions = [Interaction(user: 0, item: 0, weight: 1, time: 0), Interaction(user: 0, item: 2, weight: 1, time: 0)]
        var training = RecommenderTraining()
        training.validationPeopleMax = 0
        let model = training.train(interactions: interactions, userCount: 1, items: descriptions, regionCount: 1, now: 0)
        #expect(model.alsoWanted(with: 3, candidates: [0, 1, 2], count: 2).map(\.item) == [1])
    }

    @Test func historyDecayFavoursRecentMovies() {
        var model = Self.model(weights: BlendWeights(collaborative: 1, people: 0, content: 0, popularity: 0))
        // A drama long ago, then a horror: with decay, horror comes first.
        model.historyHalfLife = 1
        let person = PersonContext(history: [WeightedItem(item: 0, weight: 1), WeightedItem(item: 1, weight: 1)], excluded: [0, 1])
        let answer = model.recommend(for: person, candidates: Self.everyMovie, count: 3)
        #expect(answer.allSatisfy { $0.item % 3 == 1 })
        model.historyHalfLife = nil
        let undecayed = model.recommend(for: person, candidates: Self.everyMovie, count: 6)
        #expect(Set(undecayed.map { $0.item % 3 }) == [0, 1])
    }
}
