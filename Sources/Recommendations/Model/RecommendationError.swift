/// What the recommendations service refuses.
public enum RecommendationError: Error, Sendable, Equatable {
    case invalidField(String, String)
    case movieNotFound
    case orderNotFound
    /// The first model is still being built, and the caller would rather not wait.
    case modelNotBuiltYet
}

/// What an answer does while the first recommendation model is still being built.
public enum WhileFirstModelBuilds: Sendable {
    case wait
    case answerWithout
}
