import Recommender

/// Why a movie is recommended, as the API and pages show it: a stable code, the sentence, and
/// the movie it refers to, if any.
public struct RecommendationReason: Sendable, Equatable, Codable {
    public enum Code: String, Sendable, Codable {
        case becauseYouBooked = "because_you_booked"
        case becauseYouRated = "because_you_rated"
        case becauseYouViewed = "because_you_viewed"
        case peopleLikeYou = "people_like_you"
        case matchesYourTaste = "matches_your_taste"
        case popularNearYou = "popular_near_you"
        case alsoBooked = "also_booked"
        case somethingDifferent = "something_different"
        case otherFormat = "other_format"
    }

    public var code: Code
    public var text: String
    public var movieId: String?

    public init(code: Code, text: String, movieId: String? = nil) {
        self.code = code
        self.text = text
        self.movieId = movieId
    }

    /// The reason for a model's choice. `title` names a movie by id; `strongestKind` is how the
    /// person showed interest in it.
    static func explaining(_ reason: Recommendation.Reason, movieIDs: [String], strongestKind: [String: SignalKind],
                           city: String?, title: (String) -> String?) -> RecommendationReason {
        switch reason {
        case .becauseYouWanted(let item):
            let movieID = movieIDs[Int(item)]
            let name = title(movieID) ?? "a movie you chose"
            switch strongestKind[movieID] {
            case .booking?, .hold?: return .init(code: .becauseYouBooked, text: "Because you booked \(name)", movieId: movieID)
            case .rating?: return .init(code: .becauseYouRated, text: "Because you rated \(name)", movieId: movieID)
            default: return .init(code: .becauseYouViewed, text: "Because you looked at \(name)", movieId: movieID)
            }
        case .peopleLikeYou:
            return .init(code: .peopleLikeYou, text: "People who book what you book chose it")
        case .matchesYourTaste(let trait):
            return .init(code: .matchesYourTaste, text: "For your taste in \(trait)")
        case .popularNearYou:
            return .init(code: .popularNearYou, text: city.map { "Popular in \($0) lately" } ?? "Popular lately")
        case .somethingDifferent:
            return .init(code: .somethingDifferent, text: "Something different for you")
        }
    }
}
