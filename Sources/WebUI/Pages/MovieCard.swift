import Catalog

/// A movie as the listings show it: poster, title and the facts people choose by.
struct MovieCard: Sendable {
    let id: String
    let title: String
    let posterURL: String?
    let facts: String
    let rating: String?

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
