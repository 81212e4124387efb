/// What the recommendations service refuses.
public enum RecommendationError: Error, Sendable, Equatable {
    case invalidField(String, String)
    case movieNotFound
    case orderNotFound
}

/// The first model is still being built, and the caller (a page, which shows none rather than
/// wait) asked not to wait for it. Not a refusal of the API, whose answers always wait.
public struct RecommendationModelNotBuiltYet: Error, Sendable, Equatable {
    public init() {}
}

/// What an answer does while the first recommendation model is still being built.
public enum WhileFirstModelBuilds: Sendable {
    case wait
    case answerWithout
}
