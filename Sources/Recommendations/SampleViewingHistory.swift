import BoxOfficeStorage
import Catalog
import Foundation
import Recommender

/// Browsing history of made-up people for the sample catalog, so a fresh demo has something to
/// learn from: each of `people` sample viewers (ids `sample-viewer-N`, no accounts) has one or
/// two favourite genres and a city, and looked at 4 to 16 of the movies showing there, mostly of
/// their genres, over the last four weeks. Only page views: no sample person books or rates.
public enum SampleViewingHistory {
    public static let people = 300

    /// Records the history; returns how many signals it recorded.
    public static func load(into database: Database, catalog: CatalogService, now: Date, seed: UInt64 = 2_024) async throws -> Int {
        let documents = catalog.searchIndex.documents.filter { !$0.showtimes.isEmpty }
        let cities = Array(Set(documents.flatMap { $0.showtimes.map(\.city) })).sorted()
        let genres = Array(Set(documents.flatMap(\.genres))).sorted()
        guard !cities.isEmpty, !genres.isEmpty else { return 0 }
        var random = SeededPicks(seed: seed)
        var rows: [SignalRow] = []
        for person in 0..<people {
            let city = cities.randomElement(using: &random)!
            let favourites = Set(genres.shuffled(using: &random).prefix(Int.random(in: 1...2, using: &random)))
            let here = documents.filter { $0.showtimes.contains { $0.city == city } }
            let liked = here.filter { !favourites.isDisjoint(with: $0.genres) }
            for _ in 0..<Int.random(in: 4...16, using: &random) {
                let pool = !liked.isEmpty && Double.random(in: 0..<1, using: &random) < 0.8 ? liked : here
                guard let movie = pool.randomElement(using: &random) else { continue }
                let at = now.addingTimeInterval(-Double.random(in: 0..<(28 * 86_400), using: &random))
                rows.append(SignalRow(
                    id: UUID.timeOrderedID(), userId: "sample-viewer-\(person)", kind: SignalKind.detailView.rawValue,
                    movieId: movie.movieID, city: city, theatreId: nil, occurredAtMs: at.millisecondsSince1970,
                    payload: JSONColumn.text(SignalDetails(surface: "sample"))))
            }
        }
        let batches = stride(from: 0, to: rows.count, by: 500).map { Array(rows[$0..<min($0 + 500, rows.count)]) }
        for batch in batches {
            try await database.transaction { session in try await SignalRecords.insert(batch, on: session) }
        }
        return rows.count
    }
}
