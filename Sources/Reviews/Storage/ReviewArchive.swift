import BoxOfficeStorage
import Foundation
import SQLKit

/// A person's reviews in their data export, and gone with their erasure: a review is the
/// person's own words under their name. Each movie's rating sums lose them in the same
/// transaction.
public struct ReviewArchive: PersonalDataHolder {
    public init() {}

    public var exportSection: String { "reviews" }

    struct ExportedReview: Encodable {
        var movieId: String
        var rating: Int
        var title: String?
        var body: String
        var status: String
        var createdAtMs: Int64
        var updatedAtMs: Int64
    }

    public func exportPersonalData(userID: String, on session: any SQLDatabase) async throws -> JSONValue {
        let rows = try await ReviewRecords.all(userID: userID, on: session)
        return try JSONValue(encoding: rows.map {
            ExportedReview(
                movieId: $0.movieId, rating: $0.rating, title: $0.title, body: $0.body, status: $0.status,
                createdAtMs: $0.createdAtMs, updatedAtMs: $0.updatedAtMs)
        })
    }

    public func erasePersonalData(userID: String, on session: any SQLDatabase) async throws {
        for row in try await ReviewRecords.all(userID: userID, on: session) {
            try await ReviewRecords.adjustRating(movieID: row.movieId, from: row, to: nil, on: session)
            try await ReviewRecords.delete(id: row.id, on: session)
        }
    }

    public func personalDataErased(userID: String) async {}
}
