import Search

/// Which movies have a scheduled showtime in each city within the horizon, read from the search
/// index's documents: what recommendations may offer (nothing that is not showing near the person).
struct ShowingSoon: Sendable {
    /// Folded city → movie id → showtimes within the horizon.
    let byCity: [String: [String: Int]]
    let everywhere: [String: Int]

    /// O(showtimes in the documents).
    init(documents: [SearchDocument], fromMs: Int64, untilMs: Int64) {
        var byCity: [String: [String: Int]] = [:], everywhere: [String: Int] = [:]
        for document in documents {
            for showtime in document.showtimes where showtime.startsAtMs >= fromMs && showtime.startsAtMs < untilMs {
                byCity[TextFolding.fold(showtime.city), default: [:]][document.movieID, default: 0] += 1
                everywhere[document.movieID, default: 0] += 1
            }
        }
        self.byCity = byCity
        self.everywhere = everywhere
    }

    /// Movies showing in `city` (case and accents ignored), with their showtime counts; everywhere when nil.
    func movies(in city: String?) -> [String: Int] {
        guard let city else { return everywhere }
        return byCity[TextFolding.fold(city)] ?? [:]
    }
}
