import Foundation
import Recommender

/// Signals with a structure planted in them, so tests can check that the models find it: each
/// movie has a main genre (and sometimes a second), a language, people and synopsis words that
/// go with its genre, and a place on a long-tail popularity curve; each person has one or two
/// favourite genres, and for some of them the second takes over as time passes (drift). A person
/// picks a genre by their taste at that moment, then a movie of it by popularity.
public struct PlantedTasteGenerator: Sendable {
    public var people = 2_000
    public var movies = 600
    public var genres = 12
    public var languages = 4
    public var meanMoviesPerPerson = 25.0
    public var moviesPerPersonMax = 300
    /// The first this many people want `heavyPersonMovies` movies each (the heaviest users, whose
    /// requests cost most to serve).
    public var heavyPeople = 0
    public var heavyPersonMovies = 200
    /// The Zipf exponent of popularity within a genre.
    public var popularityExponent = 1.0
    /// The share of people whose taste moves from their first to their second favourite genre.
    public var driftShare = 0.3
    /// The share of a person's choices made by their taste; the rest are any popular movie.
    public var tasteShare = 0.85
    public var days = 180

    public init() {}

    public struct Dataset: Sendable {
        public var interactions: [Interaction]
        public var descriptions: [ItemDescription]
        public var movieGenre: [Int]
        /// Each person's genre shares at the start and at the end of the period.
        public var earlyTaste: [[Double]]
        public var lateTaste: [[Double]]
        public var userCount: Int
        /// The end of the period, in seconds since 1970.
        public var end: Int64
        var genrePools: [Pool]
        var everyMoviePool: Pool
        var tasteShare: Double

        /// A movie a person with `taste` (genre shares) picks by themselves, not in `seen`, or nil
        /// when twenty draws only found movies they had seen.
        public func choice(taste: [Double], seen: Set<Int>, random: inout SeededPicks) -> Int? {
            let genrePool = genrePools[PlantedTasteGenerator.draw(taste, &random)]
            let pool = Double.random(in: 0..<1, using: &random) < tasteShare && !genrePool.movies.isEmpty
                ? genrePool : everyMoviePool
            for _ in 0..<20 {
                let movie = pool.draw(&random)
                if !seen.contains(movie) { return movie }
            }
            return nil
        }

        /// The genre a person likes most at the end of the period.
        public func favouriteGenre(of person: Int) -> Int {
            lateTaste[person].indices.max { lateTaste[person][$0] < lateTaste[person][$1] }!
        }

        /// How much a person likes a movie at the end of the period: their taste for its genre.
        public func affinity(of person: Int, for movie: Int) -> Double { lateTaste[person][movieGenre[movie]] }
    }

    public func make(seed: UInt64) -> Dataset {
        var random = SeededPicks(seed: seed)
        let start: Int64 = 1_700_000_000
        let end = start + Int64(days) * 86_400
        let genreNames = (0..<genres).map { "genre\($0)" }
        let movieGenre = (0..<movies).map { _ in Int.random(in: 0..<genres, using: &random) }
        let descriptions = (0..<movies).map { movie in
            let genre = movieGenre[movie]
            var movieGenres = [genreNames[genre]]
            if Double.random(in: 0..<1, using: &random) < 0.3 { movieGenres.append(genreNames.randomElement(using: &random)!) }
            return ItemDescription(
                genres: movieGenres, languages: ["language\(Int.random(in: 0..<languages, using: &random))"],
                people: (0..<3).map { _ in "person\(genre)-\(Int.random(in: 0..<15, using: &random))" },
                certification: ["U", "UA", "A"].randomElement(using: &random),
                text: (0..<12).map { _ in
                    Double.random(in: 0..<1, using: &random) < 0.5
                        ? "theme\(genre)x\(Int.random(in: 0..<8, using: &random))" : "word\(Int.random(in: 0..<200, using: &random))"
                }.joined(separator: " "))
        }
        // Popularity: a random rank within the catalogue, weight 1 / rank^s.
        let rank = Array(0..<movies).shuffled(using: &random)
        let popularity = rank.map { 1 / pow(Double($0 + 1), popularityExponent) }
        let moviesOfGenre = (0..<genres).map { genre in (0..<movies).filter { movieGenre[$0] == genre } }
        let everyMovie = Array(0..<movies)
        var dataset = Dataset(
            interactions: [], descriptions: descriptions, movieGenre: movieGenre, earlyTaste: [], lateTaste: [],
            userCount: people, end: end, genrePools: moviesOfGenre.map { Pool(movies: $0, popularity: popularity) },
            everyMoviePool: Pool(movies: everyMovie, popularity: popularity), tasteShare: tasteShare)
        for person in 0..<people {
            let first = Int.random(in: 0..<genres, using: &random)
            var second = Int.random(in: 0..<genres - 1, using: &random)
            if second >= first { second += 1 }
            let early = (0..<genres).map { $0 == first ? 0.7 : $0 == second ? 0.2 : 0.1 / Double(genres - 2) }
            let drifts = Double.random(in: 0..<1, using: &random) < driftShare
            let late = drifts ? (0..<genres).map { $0 == second ? 0.7 : $0 == first ? 0.2 : 0.1 / Double(genres - 2) } : early
            dataset.earlyTaste.append(early)
            dataset.lateTaste.append(late)
            let drawn = min(moviesPerPersonMax, max(2, Int(-meanMoviesPerPerson * log(1 - Double.random(in: 0..<1, using: &random)))))
            let count = person < heavyPeople ? heavyPersonMovies : drawn
            let times = (0..<count).map { _ in Int64.random(in: start..<end, using: &random) }.sorted()
            var seen = Set<Int>()
            for time in times {
                let progress = Double(time - start) / Double(end - start)
                let taste = zip(early, late).map { (1 - progress) * $0 + progress * $1 }
                if let movie = dataset.choice(taste: taste, seen: seen, random: &random) {
                    seen.insert(movie)
                    dataset.interactions.append(Interaction(user: Int32(person), item: Int32(movie), weight: 1, time: time))
                }
            }
        }
        return dataset
    }

    /// Movies to draw from by popularity: cumulative weights, searched in O(log n) per draw.
    struct Pool: Sendable {
        var movies: [Int]
        var cumulative: [Double]

        init(movies: [Int], popularity: [Double]) {
            self.movies = movies
            var total = 0.0
            cumulative = movies.map { movie in
                total += popularity[movie]
                return total
            }
        }

        func draw(_ random: inout SeededPicks) -> Int {
            let target = Double.random(in: 0..<cumulative.last!, using: &random)
            var (low, high) = (0, cumulative.count - 1)
            while low < high {
                let middle = (low + high) / 2
                if cumulative[middle] <= target { low = middle + 1 } else { high = middle }
            }
            return movies[low]
        }
    }

    /// An index drawn with probability proportional to its weight.
    static func draw(_ weights: [Double], _ random: inout SeededPicks) -> Int {
        var remaining = Double.random(in: 0..<weights.reduce(0, +), using: &random)
        for (index, weight) in weights.enumerated() {
            remaining -= weight
            if remaining < 0 { return index }
        }
        return weights.count - 1
    }
}
