import BoxOfficeStorage
import Foundation
import Search

/// Catalog rows as the search index reads them.
enum SearchDocuments {
    /// Every movie with its showtimes (scheduled, from the time the rows were read).
    ///
    /// Built for half a million showtimes at a time: a showtime's local time of day comes from
    /// its theatre's time zone (looked up once per theatre), and its lowest price from its prices
    /// (decoded once per distinct price list).
    static func documents(
        movies: [Movie], showtimes: [CatalogRecords.IndexedShowtimeRow], theatres: [String: Theatre]
    ) throws -> [SearchDocument] {
        let zones = theatres.mapValues { TimeZone(identifier: $0.timeZone) ?? .gmt }
        var lowestPrices: [String: Int64] = [:]
        var byMovie: [String: [SearchShowtime]] = [:]
        for row in showtimes {
            guard let theatre = theatres[row.theatreId], let zone = zones[row.theatreId] else { continue }
            let lowest: Int64
            if let known = lowestPrices[row.prices] {
                lowest = known
            } else {
                lowest = try JSONColumn.value([String: Int64].self, from: row.prices).values.min() ?? 0
                lowestPrices[row.prices] = lowest
            }
            let seconds = row.startsAtMs / 1000
            let local = (seconds + Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds))))) % 86_400
            byMovie[row.movieId, default: []].append(SearchShowtime(
                showtimeID: row.id, theatreID: theatre.id, city: theatre.city, latitude: theatre.latitude,
                longitude: theatre.longitude, startsAtMs: row.startsAtMs, localMinuteOfDay: Int((local + 86_400) % 86_400 / 60),
                language: row.language, format: row.format, lowestPriceMinor: lowest))
        }
        return movies.map { movie in
            SearchDocument(
                movieID: movie.id, title: movie.title, originalTitle: movie.originalTitle,
                cast: movie.cast.map(\.name), genres: movie.genres, certification: movie.certification,
                releaseDay: day(of: movie.releaseDate), popularity: 0, showtimes: byMovie[movie.id] ?? [])
        }
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
