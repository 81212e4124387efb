import Foundation
import Search

/// Catalog rows as the search index reads them.
enum SearchDocuments {
    static func document(_ movie: Movie, showtimes: [Showtime], theatres: [String: Theatre]) -> SearchDocument {
        SearchDocument(
            movieID: movie.id, title: movie.title, originalTitle: movie.originalTitle,
            cast: movie.cast.map(\.name), genres: movie.genres, certification: movie.certification,
            releaseDay: day(of: movie.releaseDate), popularity: 0,
            showtimes: showtimes.compactMap { showtime in
                guard let theatre = theatres[showtime.theatreId] else { return nil }
                var calendar = Calendar(identifier: .gregorian)
                calendar.timeZone = TimeZone(identifier: theatre.timeZone) ?? .gmt
                let local = calendar.dateComponents([.hour, .minute], from: showtime.startsAt)
                return SearchShowtime(
                    showtimeID: showtime.id, theatreID: theatre.id, city: theatre.city, latitude: theatre.latitude,
                    longitude: theatre.longitude, startsAtMs: Int64(showtime.startsAt.timeIntervalSince1970 * 1000),
                    localMinuteOfDay: (local.hour ?? 0) * 60 + (local.minute ?? 0), language: showtime.language,
                    format: showtime.format, lowestPriceMinor: showtime.prices.values.min() ?? 0)
            })
    }

    /// Days since 1970-01-01 of a `YYYY-MM-DD` date (validated before it is stored).
    static func day(of date: String) -> Int {
        let parts = date.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return 0 }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let components = DateComponents(year: parts[0], month: parts[1], day: parts[2])
        return Int((calendar.date(from: components)?.timeIntervalSince1970 ?? 0) / 86_400)
    }
}
