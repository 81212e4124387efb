import BoxOfficeStorage
import Catalog
import Foundation
import Logging
import NIOPosix
import Recommender
import Synchronization

/// Recommendations: records what people do (signals), learns from it in the background
/// (``RecommendationRebuilder``) and answers from the model in memory, restricted to what is
/// showing near the person soon. A person's own latest signals are read at each answer, so a
/// dismissal or a booking changes the next answer at once; what others did counts from the next
/// rebuild.
public final class RecommendationService: Sendable {
    let database: Database
    let catalog: CatalogService
    /// The person's declared city, genres and languages (the accounts service answers).
    let tastes: @Sendable (_ userID: String) async throws -> DeclaredTastes
    public let configuration: RecommendationsConfiguration
    let now: @Sendable () -> Date
    let logger: Logger
    let served = Mutex<ServedModel?>(nil)
    /// The build under way, which callers share.
    let building = Mutex<Build?>(nil)
    /// Its signals' share of people's exports and erasures.
    let archive: RecommendationSignalsArchive
    let showing = Mutex<(version: Int64, hour: Int64, showing: ShowingSoon)?>(nil)

    public init(database: Database, catalog: CatalogService, archive: RecommendationSignalsArchive,
                tastes: @escaping @Sendable (_ userID: String) async throws -> DeclaredTastes,
                configuration: RecommendationsConfiguration = .init(), now: @escaping @Sendable () -> Date = Date.init,
                logger: Logger) {
        self.database = database
        self.catalog = catalog
        self.archive = archive
        self.tastes = tastes
        self.configuration = configuration
        self.now = now
        self.logger = logger
    }

    struct Build {
        var task: Task<ServedModel, any Error>
        var startedAt: ContinuousClock.Instant
    }

    /// What an instance serves: when it was built, from how much.
    public struct ModelStatus: Sendable, Codable, Equatable {
        public var builtAt: Date?
        public var buildSeconds: Double?
        public var signals: Int
        public var people: Int
        public var movies: Int
        /// Cities whose recent demand it knows.
        public var cities: Int
        public var memoryBytes: Int
        public var warmWeights: BlendWeights?
        public var coldWeights: BlendWeights?
        public var historyHalfLife: Double?
    }

    public var status: ModelStatus {
        served.withLock { served in
            ModelStatus(
                builtAt: served?.builtAt, buildSeconds: served?.buildSeconds, signals: served?.signalCount ?? 0,
                people: served?.userIndex.count ?? 0, movies: served?.movieIDs.count ?? 0,
                cities: served?.regionIndex.count ?? 0, memoryBytes: served?.memoryBytes ?? 0,
                warmWeights: served?.model.warmWeights, coldWeights: served?.model.coldWeights,
                historyHalfLife: served?.model.historyHalfLife)
        }
    }

    /// The model in use. Without one yet, `.wait` waits for the first build (the JSON API's
    /// answers), and `.answerWithout` starts it and throws ``RecommendationModelNotBuiltYet``
    /// (the pages', which show no recommendations rather than keep a person waiting).
    func currentModel(_ whileFirstBuilds: WhileFirstModelBuilds) async throws -> ServedModel {
        if let model = served.withLock({ $0 }) { return model }
        let build = startBuilding().task
        guard whileFirstBuilds == .wait else { throw RecommendationModelNotBuiltYet() }
        return try await build.value
    }

    /// Builds a model from every signal within the retention window and swaps it in. Concurrent
    /// calls share one build, but never one begun before the call, which may have missed what
    /// the caller just wrote. The work runs on NIO's thread pool, off the tasks' threads.
    @discardableResult
    public func rebuild() async throws -> ServedModel {
        let called = ContinuousClock.now
        var build = startBuilding()
        if build.startedAt < called {
            _ = try? await build.task.value
            build = startBuilding()
        }
        return try await build.task.value
    }

    /// Starts the first model's build as the server starts, so that no request waits for it.
    public func beginBuilding() {
        _ = startBuilding()
    }

    /// The build under way, or a new one, which serves its model once built whether or not anyone
    /// still waits for it.
    func startBuilding() -> Build {
        building.withLock { building in
            if let building { return building }
            let task = Task {
                // Only one build is under way at a time, so the one recorded is this one; the lock
                // held while it is recorded keeps this from running first.
                defer { self.building.withLock { $0 = nil } }
                do {
                    let model = try await self.build()
                    self.served.withLock { $0 = model }
                    return model
                } catch {
                    self.logger.warning("could not build the recommendation model", metadata: ["error": "\(error)"])
                    throw error
                }
            }
            building = Build(task: task, startedAt: .now)
            return building!
        }
    }

    /// The kinds of signal the models learn from.
    static let learntKinds: [SignalKind] = [.detailView, .hold, .booking, .rating]
    /// Signals read per query of a rebuild.
    static let rebuildPageSize = 10_000

    func build() async throws -> ServedModel {
        let nowDate = now()
        try await catalog.refreshIfChanged()
        let documents = catalog.searchIndex.documents
        let movies = catalog.movies(ids: documents.map(\.movieID)).values.sorted { $0.id < $1.id }
        let signals = try await learningSignals(since: nowDate.millisecondsSince1970 - Int64(configuration.retentionDays) * 86_400_000)
        let (training, weights) = (configuration.training, configuration.weights)
        let model = try await NIOThreadPool.singleton.runIfActive {
            ServedModel.build(signals: signals, movies: movies, training: training, weights: weights, now: nowDate)
        }
        logger.info("recommendation model built", metadata: [
            "signals": "\(model.signalCount)", "people": "\(model.userIndex.count)", "movies": "\(movies.count)",
            "seconds": "\(String(format: "%.2f", model.buildSeconds))",
        ])
        return model
    }

    /// The signals the models learn from since `sinceMs`, oldest first, the newest
    /// `rebuildSignalsMax` at most; holds and bookings placed in their theatre's city.
    func learningSignals(since sinceMs: Int64) async throws -> [LearningSignal] {
        var signals: [LearningSignal] = []
        let kinds = Self.learntKinds.map(\.rawValue)
        let limit = configuration.rebuildSignalsMax
        let newest = try await database.withReadSession { try await SignalRecords.startOfNewest(limit, kinds: kinds, on: $0) }
        var after = (ms: sinceMs - 1, id: "")
        if let newest, newest > after { after = newest }
        let theatreCities = Dictionary(uniqueKeysWithValues: try await catalog.theatres(in: nil).map { ($0.id, $0.city) })
        while true {
            let (afterMs, afterID) = after
            let page = try await database.withReadSession { session in
                try await SignalRecords.page(afterMs: afterMs, afterID: afterID, kinds: kinds, limit: Self.rebuildPageSize, on: session)
            }
            for row in page {
                guard let kind = SignalKind(rawValue: row.kind), let movieID = row.movieId else { continue }
                signals.append(LearningSignal(userID: row.userId, kind: kind, movieID: movieID,
                                              rating: kind == .rating ? row.details.rating : nil,
                                              city: row.city ?? row.theatreId.flatMap { theatreCities[$0] },
                                              atMs: row.occurredAtMs))
            }
            guard page.count == Self.rebuildPageSize, let last = page.last else { break }
            after = (last.occurredAtMs, last.id)
        }
        return signals
    }

    /// Movies showing within the horizon, by city, as of the catalog's index (recomputed when the
    /// catalog changes and every hour, as showtimes pass).
    func showingSoon() -> ShowingSoon {
        let nowMs = now().millisecondsSince1970
        let hour = nowMs / 3_600_000
        let version = catalog.version
        if let cached = showing.withLock({ $0 }), cached.version == version, cached.hour == hour { return cached.showing }
        let fresh = ShowingSoon(documents: catalog.searchIndex.documents, fromMs: nowMs,
                                untilMs: nowMs + Int64(configuration.horizonDays) * 86_400_000)
        showing.withLock { $0 = (version, hour, fresh) }
        return fresh
    }
}
