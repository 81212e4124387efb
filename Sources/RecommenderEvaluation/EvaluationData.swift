import Recommender

/// Signals to evaluate on: interactions whose weight says how much each was wanted (zero: seen and
/// disliked), and the movies' descriptions.
public struct EvaluationData: Sendable {
    public var name: String
    public var interactions: [Interaction]
    public var descriptions: [ItemDescription]
    public var userCount: Int
    /// Held-out interactions at least this strong count as relevant.
    public var relevantWeightMin: Float

    public init(name: String, interactions: [Interaction], descriptions: [ItemDescription], userCount: Int,
                relevantWeightMin: Float) {
        self.name = name
        self.interactions = interactions
        self.descriptions = descriptions
        self.userCount = userCount
        self.relevantWeightMin = relevantWeightMin
    }

    public var itemCount: Int { descriptions.count }
}

extension PlantedTasteGenerator.Dataset {
    public var evaluationData: EvaluationData {
        EvaluationData(name: "generated", interactions: interactions, descriptions: descriptions, userCount: userCount,
                       relevantWeightMin: 0.5)
    }
}
