import Foundation
import Recommender
import RecommenderEvaluation

/// The served model's cost at the generated catalogue's scale: how long a full rebuild (with the
/// blend's tuning) takes on a million signals, the memory it holds, and how long one answer takes
/// for the heaviest people (200 movies each).
enum ServingCost {
    static func run(signals: Int, log: (String) -> Void) -> String {
        var generator = PlantedTasteGenerator()
        generator.movies = 10_000
        generator.genres = 14
        generator.meanMoviesPerPerson = 20
        generator.heavyPeople = 500
        generator.people = generator.heavyPeople + (signals - generator.heavyPeople * generator.heavyPersonMovies) / 19
        var started = ContinuousClock.now
        let dataset = generator.make(seed: 7)
        log("generated \(dataset.interactions.count) signals of \(generator.people) people in \(seconds(since: started)) s")

        let residentBefore = residentBytes()
        started = ContinuousClock.now
        let model = RecommenderTraining().train(
            interactions: dataset.interactions, userCount: dataset.userCount, items: dataset.descriptions,
            regionCount: 1, now: dataset.end)
        let rebuildSeconds = seconds(since: started)
        let residentAfter = residentBytes()
        log("rebuilt in \(rebuildSeconds) s; model \(model.memoryBytes / 1_048_576) MiB")

        // What is showing near a person: 1,500 movies, as in the generated catalogue.
        var random = SeededPicks(seed: 9)
        let showing = Array(Array(Int32(0)..<Int32(generator.movies)).shuffled(using: &random).prefix(1_500))
        let histories = Dictionary(grouping: dataset.interactions.filter { $0.user < Int32(generator.heavyPeople) }, by: \.user)
        var recommendTimes: [Double] = [], alsoWantedTimes: [Double] = []
        let clock = ContinuousClock()
        for round in 0..<3 {
            for person in Int32(0)..<Int32(generator.heavyPeople) {
                let signals = histories[person]!.sorted { $0.time < $1.time }
                let context = PersonContext(
                    history: signals.map { WeightedItem(item: $0.item, weight: $0.weight) }, excluded: Set(signals.map(\.item)),
                    declaredGenres: ["genre1"], region: 0, user: person)
                var answer: [Recommendation] = []
                let elapsed = clock.measure {
                    answer = model.recommend(for: context, candidates: showing, count: 10, explorationShare: 0.1,
                                             explorationSeed: UInt64(person))
                }
                precondition(answer.count == 10)
                if round > 0 { recommendTimes.append(elapsed / .microseconds(1)) }
                let also = clock.measure { _ = model.alsoWanted(with: signals[0].item, candidates: showing, count: 10) }
                if round > 0 { alsoWantedTimes.append(also / .microseconds(1)) }
            }
        }
        recommendTimes.sort()
        alsoWantedTimes.sort()
        func percentile(_ values: [Double], _ share: Double) -> String {
            String(format: "%.0f µs", values[min(values.count - 1, Int(Double(values.count) * share))])
        }
        let memory = String(format: "%.0f MiB held by the model's arrays, resident set grew %.0f MiB while building",
                            Double(model.memoryBytes) / 1_048_576, Double(residentAfter - residentBefore) / 1_048_576)
        return """
            | measure | figure |
            |---|---|
            | signals, people, movies | \(dataset.interactions.count), \(generator.people), \(generator.movies) |
            | full rebuild with blend tuning | \(rebuildSeconds) s |
            | memory | \(memory) |
            | "recommended for you", 200-movie history, 1,500 candidates: p50 / p99 / max | \(percentile(recommendTimes, 0.5)) / \(percentile(recommendTimes, 0.99)) / \(percentile(recommendTimes, 1)) |
            | "also booked", 1,500 candidates: p50 / p99 | \(percentile(alsoWantedTimes, 0.5)) / \(percentile(alsoWantedTimes, 0.99)) |

            In-process, one thread, release build; \(recommendTimes.count) answers timed after one warm-up round. Blend: warm \(OfflineEvaluation.describe(model.warmWeights)), history half-life \(model.historyHalfLife.map { "\(Int($0)) movies" } ?? "none").
            """
    }

    static func seconds(since start: ContinuousClock.Instant) -> String {
        String(format: "%.1f", (ContinuousClock.now - start) / .seconds(1))
    }

    /// The process's resident set, from /proc/self/status.
    static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kilobytes * 1_024
    }
}
