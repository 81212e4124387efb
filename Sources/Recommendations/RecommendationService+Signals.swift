import BoxOfficeStorage
import Foundation
import Recommender
import SQLKit
import Synchronization

extension RecommendationService {
    /// Records what an app reports a person did; all or nothing.
    public func record(userID: String, _ inputs: [SignalInput]) async throws {
        guard (1...RecommendationsConfiguration.signalsPerRequestMax).contains(inputs.count) else {
            throw RecommendationError.invalidField(
                "/signals", "must hold 1 to \(RecommendationsConfiguration.signalsPerRequestMax) signals")
        }
        let nowDate = now()
        let rows = try inputs.enumerated().map { index, input in
            try input.row(userID: userID, at: nowDate, pointer: "/signals/\(index)", knownMovie: isKnownMovie)
        }
        try await database.transaction { session in try await SignalRecords.insert(rows, on: session) }
    }

    /// "Not interested": the movie is not recommended to the person again.
    public func dismiss(userID: String, movieID: String) async throws {
        guard isKnownMovie(movieID) else { throw RecommendationError.movieNotFound }
        try await record(userID: userID, [SignalInput(kind: SignalKind.dismissal.rawValue, movieId: movieID)])
    }

    /// Takes back "not interested".
    public func undoDismissal(userID: String, movieID: String) async throws {
        guard isKnownMovie(movieID) else { throw RecommendationError.movieNotFound }
        try await database.transaction { session in
            try await SignalRecords.deleteDismissals(userID: userID, movieID: movieID, on: session)
        }
    }

    func isKnownMovie(_ id: String) -> Bool { !catalog.movies(ids: [id]).isEmpty }

    /// Deletes signals older than the retention window.
    public func sweepExpiredSignals() async throws {
        let cutoff = now().millisecondsSince1970 - Int64(configuration.retentionDays) * 86_400_000
        try await database.transaction { session in try await SignalRecords.deleteOlder(thanMs: cutoff, on: session) }
    }

    /// Signals recorded since the model in use was built (all of them when there is none).
    func signalsSinceLastBuild() async throws -> Int {
        let since = served.withLock { $0?.builtAt.millisecondsSince1970 } ?? 0
        return try await database.withReadSession { try await SignalRecords.count(since: since, on: $0) }
    }

    /// A person's latest signals, read for an answer.
    func personSignals(userID: String) async throws -> PersonSignals {
        let rows = try await database.withReadSession { session in
            try await SignalRecords.latest(userID: userID, limit: self.configuration.personSignalsRead, on: session)
        }
        return PersonSignals(rows, weights: configuration.weights)
    }
}

/// Holds, bookings and ratings, recorded by the booking and reviews services in their own transactions.
extension RecommendationService: ActivityLog {
    public func rows(noting activity: PersonActivity) -> RowInsert {
        let kind: SignalKind = switch activity.kind {
        case .hold: .hold
        case .booking: .booking
        case .rating: .rating
        }
        return SignalRecords.rows([SignalRow(
            id: UUID.timeOrderedID(), userId: activity.userID, kind: kind.rawValue, movieId: activity.movieID,
            city: nil, theatreId: activity.theatreID, occurredAtMs: activity.at.millisecondsSince1970,
            payload: JSONColumn.text(SignalDetails(rating: activity.rating)))])
    }
}

/// A person's signals in their data export, and gone with their erasure; the model in memory
/// forgets them at the rebuilder's next check. Made before the accounts service, which the
/// recommendations service itself needs.
public struct RecommendationSignalsArchive: PersonalDataHolder {
    /// Set when a person's data was erased, until the model is rebuilt without it.
    let erasures = ErasureFlag()

    public init() {}

    public var exportSection: String { "recommendationSignals" }

    struct ExportedSignal: Encodable {
        var kind: String
        var movieId: String?
        var city: String?
        var theatreId: String?
        var occurredAtMs: Int64
        var details: SignalDetails
    }

    public func exportPersonalData(userID: String, on session: any SQLDatabase) async throws -> JSONValue {
        let rows = try await SignalRecords.all(userID: userID, on: session)
        return try JSONValue(encoding: rows.map {
            ExportedSignal(kind: $0.kind, movieId: $0.movieId, city: $0.city, theatreId: $0.theatreId, occurredAtMs: $0.occurredAtMs, details: $0.details)
        })
    }

    public func erasePersonalData(userID: String, on session: any SQLDatabase) async throws {
        try await SignalRecords.deleteAll(userID: userID, on: session)
    }

    public func personalDataErased(userID: String) async {
        erasures.isSet.store(true, ordering: .relaxed)
    }
}

final class ErasureFlag: Sendable {
    let isSet = Atomic<Bool>(false)
}
