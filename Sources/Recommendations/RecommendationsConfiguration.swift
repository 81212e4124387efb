import Recommender

/// The recommendations service's settings and limits.
public struct RecommendationsConfiguration: Sendable {
    /// Only movies with a showtime within this many days are recommended.
    public var horizonDays = 14
    /// The share of a list given to movies outside the person's usual ranking.
    public var explorationShare = 0.1
    /// A person's latest signals read per answer (their older ones count through the model only).
    public var personSignalsRead = 500
    /// Movies per list, at most.
    public static let listLengthMax = 30
    /// Signals one request may record.
    public static let signalsPerRequestMax = 50
    /// A search's words are kept up to this length.
    public static let queryCharactersMax = 200
    /// Signals older than this are deleted, and never learnt from.
    public var retentionDays = 180
    /// The model is rebuilt at least this often…
    public var rebuildIntervalSeconds = 3_600
    /// …and sooner once this many signals arrived since the last build.
    public var rebuildAfterSignals = 1_000
    /// How often the rebuilder looks for new signals.
    public var checkIntervalSeconds = 30
    /// The newest signals a rebuild reads, at most (bounds its memory and time).
    public var rebuildSignalsMax = 5_000_000
    public var training = RecommenderTraining()
    public var weights = SignalWeights()

    public init() {}
}
