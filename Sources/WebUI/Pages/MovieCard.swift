import Catalog
import Recommendations

/// A movie as the listings show it: poster, title and the facts people choose by.
struct MovieCard: Sendable {
    let id: String
    let title: String
    let posterURL: String?
    let facts: String
    let rating: String?
    /// Why it is recommended, on recommendation lists.
    var reason: String?
    /// Whether the card offers "Not interested" (recommendations for a signed-in person).
    var isDismissible = false

    init(_ movie: Movie, rating: MovieRating? = nil) {
        id = movie.id
        title = movie.title
        // Only https posters: the page's content security policy refuses others anyway.
        posterURL = movie.posterUrl.flatMap { $0.hasPrefix("https://") ? $0 : nil }
        facts = ([movie.certification, "\(movie.runtimeMinutes) min"] + movie.genres.prefix(2)).joined(separator: " · ")
        self.rating = rating.map { MovieCard.stars($0) }
    }

    static func stars(_ rating: MovieRating) -> String {
        String(format: "%.1f", rating.average) + " ★ (\(rating.count) review\(rating.count == 1 ? "" : "s"))"
    }
}

extension MovieCard {
    /// A recommended movie's card, with its reason.
    init?(_ recommended: RecommendedMovie, catalog: CatalogService, isDismissible: Bool) {
        guard let movie = catalog.movies(ids: [recommended.movie.id])[recommended.movie.id] else { return nil }
        self.init(movie)
        reason = recommended.reason.text
        self.isDismissible = isDismissible
    }

    var withoutReason: MovieCard {
        var card = self
        card.reason = nil
        return card
    }
}
