import Catalog
import Foundation
import Recommender
import Search

/// A signal as the models learn from it.
struct LearningSignal: Sendable, Equatable {
    var userID: String
    var kind: SignalKind
    var movieID: String
    var rating: Int?
    var city: String?
    var atMs: Int64
}

/// The model an instance serves, with the movie, person and city ids it was built with. A value:
/// a rebuild makes a new one and swaps it in whole.
public struct ServedModel: Sendable {
    public let model: RecommenderModel
    let movieIDs: [String]
    let movieIndex: [String: Int32]
    let userIndex: [String: Int32]
    /// Cities, folded (case and accents ignored).
    let regionIndex: [String: Int32]
    /// Signals it learnt from.
    public let signalCount: Int
    public let builtAt: Date
    public let buildSeconds: Double

    /// The models over every movie of the catalog and every signal about one of them.
    static func build(signals: [LearningSignal], movies: [Movie], training: RecommenderTraining, weights: SignalWeights,
                      now: Date) -> ServedModel {
        let started = ContinuousClock.now
        let movieIDs = movies.map(\.id)
        let movieIndex = Dictionary(uniqueKeysWithValues: movieIDs.enumerated().map { ($1, Int32($0)) })
        var userIndex: [String: Int32] = [:], regionIndex: [String: Int32] = [:]
        var interactions: [Interaction] = []
        interactions.reserveCapacity(signals.count)
        for signal in signals {
            guard let item = movieIndex[signal.movieID], let weight = weights.weight(of: signal.kind, rating: signal.rating)
            else { continue }
            let user = userIndex[signal.userID] ?? {
                let next = Int32(userIndex.count)
                userIndex[signal.userID] = next
                return next
            }()
            let region = signal.city.map { city -> Int32 in
                let folded = TextFolding.fold(city)
                if let known = regionIndex[folded] { return known }
                let next = Int32(regionIndex.count)
                regionIndex[folded] = next
                return next
            } ?? -1
            interactions.append(Interaction(user: user, item: item, weight: weight, time: signal.atMs / 1000, region: region))
        }
        let model = training.train(
            interactions: interactions, userCount: userIndex.count, items: movies.map(Self.description), regionCount: regionIndex.count,
            now: now.millisecondsSince1970 / 1000)
        return ServedModel(
            model: model, movieIDs: movieIDs, movieIndex: movieIndex, userIndex: userIndex, regionIndex: regionIndex,
            signalCount: interactions.count, builtAt: now, buildSeconds: (ContinuousClock.now - started) / .seconds(1))
    }

    static func description(of movie: Movie) -> ItemDescription {
        ItemDescription(
            genres: movie.genres, languages: movie.languages, people: movie.cast.map(\.name), certification: movie.certification,
            text: movie.synopsis)
    }

    func region(of city: String?) -> Int32? { city.flatMap { regionIndex[TextFolding.fold($0)] } }

    public var memoryBytes: Int {
        model.memoryBytes + (movieIDs.count + userIndex.count) * 64 + regionIndex.count * 48
    }
}
