import SQLKit

extension Database {
    /// Rows one write of ``deleteInBatches(batchMax:batchesMax:_:)`` deletes at most, by default.
    public static let deletionBatchMax = 1_000
    /// Writes one call of ``deleteInBatches(batchMax:batchesMax:_:)`` makes at most, by default:
    /// what a backlog holds beyond is left for the next call.
    public static let deletionBatchesMax = 100

    /// Deletes what `deleteBatch` selects, `batchMax` rows per write, until a write deletes fewer
    /// or `batchesMax` writes have run; returns the rows deleted. Each write is short, so a large
    /// backlog of old rows never holds SQLite's writer, or PostgreSQL's row locks, for long.
    ///
    /// - Parameter deleteBatch: one statement deleting at most the rows it is given a count of,
    ///   returning how many it deleted.
    public func deleteInBatches(
        batchMax: Int = deletionBatchMax, batchesMax: Int = deletionBatchesMax,
        _ deleteBatch: @escaping @Sendable (any SQLDatabase, Int) async throws -> Int
    ) async throws -> Int {
        var deleted = 0
        for _ in 0..<batchesMax {
            let batch = try await write { session in try await deleteBatch(session, batchMax) }
            deleted += batch
            if batch < batchMax { break }
        }
        return deleted
    }
}
