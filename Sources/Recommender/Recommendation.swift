/// A recommended movie and why it was chosen.
public struct Recommendation: Sendable, Equatable {
    public enum Reason: Sendable, Equatable {
        /// Mostly people who wanted `item`, which this person wanted too, also wanted this one.
        case becauseYouWanted(item: Int32)
        /// Mostly people whose movies overlap this person's wanted it.
        case peopleLikeYou
        /// Mostly its content matches the person's taste; `trait` is the genre or language shared most.
        case matchesYourTaste(trait: String)
        /// Mostly it is in demand near the person lately.
        case popularNearYou
        /// Chosen outside the person's usual ranking, so they see more than what they already like.
        case somethingDifferent
    }

    public var item: Int32
    public var score: Float
    public var reason: Reason

    public init(item: Int32, score: Float, reason: Reason) {
        self.item = item
        self.score = score
        self.reason = reason
    }
}

/// How much each model counts in the blend.
public struct BlendWeights: Sendable, Equatable, Hashable, Codable {
    /// Item-item collaborative filtering.
    public var collaborative: Float
    /// User-user collaborative filtering.
    public var people: Float
    public var content: Float
    public var popularity: Float

    public init(collaborative: Float, people: Float, content: Float, popularity: Float) {
        self.collaborative = collaborative
        self.people = people
        self.content = content
        self.popularity = popularity
    }

    /// Every split of one into the four weights in steps of `step`, for tuning.
    public static func grid(step: Float = 0.1) -> [BlendWeights] {
        let steps = Int((1 / step).rounded())
        var grid: [BlendWeights] = []
        for collaborative in 0...steps {
            for people in 0...(steps - collaborative) {
                for content in 0...(steps - collaborative - people) {
                    let popularity = steps - collaborative - people - content
                    grid.append(BlendWeights(
                        collaborative: Float(collaborative) / Float(steps), people: Float(people) / Float(steps),
                        content: Float(content) / Float(steps), popularity: Float(popularity) / Float(steps)))
                }
            }
        }
        return grid
    }
}

/// What the recommender knows of one person when it is asked.
public struct PersonContext: Sendable, Equatable {
    /// The movies they wanted, oldest first, with strengths (see `SignalWeights`).
    public var history: [WeightedItem]
    /// Never recommended: dismissed, rated low, already booked.
    public var excluded: Set<Int32>
    public var declaredGenres: [String]
    public var declaredLanguages: [String]
    /// Words of their recent searches.
    public var searchedWords: [String]
    /// Their city, for popularity near them.
    public var region: Int32?
    /// Their index among the people the model learnt from, if it learnt from them (so they are not
    /// their own nearest neighbour).
    public var user: Int32?

    public init(history: [WeightedItem] = [], excluded: Set<Int32> = [], declaredGenres: [String] = [],
                declaredLanguages: [String] = [], searchedWords: [String] = [], region: Int32? = nil, user: Int32? = nil) {
        self.history = history
        self.excluded = excluded
        self.declaredGenres = declaredGenres
        self.declaredLanguages = declaredLanguages
        self.searchedWords = searchedWords
        self.region = region
        self.user = user
    }
}
