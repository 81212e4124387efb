/// What the recommendations service refuses.
public enum RecommendationError: Error, Sendable, Equatable {
    case invalidField(String, String)
    case movieNotFound
    case orderNotFound
}
