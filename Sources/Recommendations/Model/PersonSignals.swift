import Recommender
import Search

/// What a person declared about their tastes in their profile.
public struct DeclaredTastes: Sendable, Equatable {
    public var city: String?
    public var genres: [String]
    public var languages: [String]

    public init(city: String? = nil, genres: [String] = [], languages: [String] = []) {
        self.city = city
        self.genres = genres
        self.languages = languages
    }
}

/// A person's latest signals read as the recommender needs them: the movies they wanted (oldest
/// first, strongest signal per movie), the movies not to recommend to them (dismissed, rated one
/// or two stars, and those they already know: looked at, held, booked, rated), the words of their
/// latest searches.
struct PersonSignals: Sendable, Equatable {
    /// Searches whose words count towards a person's taste.
    static let searchesConsidered = 5

    /// Per movie, the strongest kind of interest shown (to say "because you booked X").
    var strongestKind: [String: SignalKind] = [:]
    /// Movies wanted, oldest first, with weights.
    var wanted: [(movieID: String, weight: Float)] = []
    var excluded: Set<String> = []
    var booked: [String] = []
    var searchedWords: [String] = []

    static func == (left: PersonSignals, right: PersonSignals) -> Bool {
        left.strongestKind == right.strongestKind && left.excluded == right.excluded && left.booked == right.booked
            && left.searchedWords == right.searchedWords
            && left.wanted.map(\.movieID) == right.wanted.map(\.movieID) && left.wanted.map(\.weight) == right.wanted.map(\.weight)
    }

    /// From signals in any order.
    init(_ rows: [SignalRow], weights: SignalWeights) {
        let ordered = rows.sorted { ($0.occurredAtMs, $0.id) < ($1.occurredAtMs, $1.id) }
        var weightOf: [String: Float] = [:]
        var order: [String] = []
        var searches: [String] = []
        for row in ordered {
            guard let kind = SignalKind(rawValue: row.kind) else { continue }
            if kind == .search, let query = row.details.query { searches.append(query) }
            guard let movieID = row.movieId else { continue }
            let rating = row.details.rating
            if weights.isDismissal(kind, rating: rating) { excluded.insert(movieID) }
            if kind == .booking, !booked.contains(movieID) { booked.append(movieID) }
            guard let weight = weights.weight(of: kind, rating: rating) else { continue }
            excluded.insert(movieID)
            if weightOf[movieID] == nil { order.append(movieID) }
            if weight > weightOf[movieID] ?? 0 {
                weightOf[movieID] = weight
                strongestKind[movieID] = kind
            }
        }
        wanted = order.map { ($0, weightOf[$0]!) }
        searchedWords = searches.suffix(Self.searchesConsidered).flatMap(TextFolding.words)
    }

    /// The person as the served model sees them.
    func context(in served: ServedModel, tastes: DeclaredTastes, city: String?, userID: String?) -> PersonContext {
        PersonContext(
            history: wanted.compactMap { entry in served.movieIndex[entry.movieID].map { WeightedItem(item: $0, weight: entry.weight) } },
            excluded: Set(excluded.compactMap { served.movieIndex[$0] }), declaredGenres: tastes.genres,
            declaredLanguages: tastes.languages, searchedWords: searchedWords, region: served.region(of: city ?? tastes.city),
            user: userID.flatMap { served.userIndex[$0] })
    }
}
