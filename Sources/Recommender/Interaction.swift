/// One piece of evidence that a person wants a movie, after `SignalWeights` has turned a recorded
/// signal into a strength. Users, items and regions are dense indices the caller assigns.
public struct Interaction: Sendable, Equatable {
    public var user: Int32
    public var item: Int32
    /// How strongly it says the person wants the movie, in 0...1.
    public var weight: Float
    /// Seconds since 1970.
    public var time: Int64
    /// Where it happened (a city's index), for popularity near a person.
    public var region: Int32

    public init(user: Int32, item: Int32, weight: Float, time: Int64, region: Int32 = 0) {
        self.user = user
        self.item = item
        self.weight = weight
        self.time = time
        self.region = region
    }
}

/// The kinds of signal the box office records about a person and a movie.
public enum SignalKind: String, Sendable, CaseIterable, Codable {
    /// The movie was shown to the person in a list (recorded for exposure, not taken as interest).
    case impression
    /// The person opened the movie's page.
    case detailView = "detail_view"
    /// The person searched; the query's words count towards their taste in content.
    case search
    case hold
    case booking
    /// One to five stars.
    case rating
    /// "Not interested": the movie is never recommended to the person again.
    case dismissal
}

/// How much each kind of signal says about wanting a movie. A booking is the strongest statement a
/// person makes; a hold is a booking begun; a page view is curiosity. Ratings say how a booking went:
/// three stars is lukewarm, and one or two stars is taken as a dismissal.
public struct SignalWeights: Sendable, Equatable {
    public var detailView: Float = 0.2
    public var hold: Float = 0.5
    public var booking: Float = 1.0
    /// Weights of one to five stars; nil where the rating is a dismissal.
    public var ratings: [Float?] = [nil, nil, 0.3, 0.7, 1.0]

    public init() {}

    /// The interest a signal shows, or nil when it shows none (an impression, a search, a dismissal,
    /// a low rating). Ratings outside one to five show none either.
    public func weight(of kind: SignalKind, rating: Int? = nil) -> Float? {
        switch kind {
        case .detailView: detailView
        case .hold: hold
        case .booking: booking
        case .rating:
            if let rating, (1...ratings.count).contains(rating) { ratings[rating - 1] } else { nil }
        case .impression, .search, .dismissal: nil
        }
    }

    /// Whether the signal means "do not recommend this movie to me again".
    public func isDismissal(_ kind: SignalKind, rating: Int? = nil) -> Bool {
        switch kind {
        case .dismissal: true
        case .rating: rating.map { (1...ratings.count).contains($0) && ratings[$0 - 1] == nil } ?? false
        default: false
        }
    }
}
