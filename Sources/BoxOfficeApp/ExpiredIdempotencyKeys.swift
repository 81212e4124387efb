import BoxOfficeEdge
import BoxOfficeStorage
import Foundation
import Logging
import ServiceLifecycle

/// Deletes expired idempotency keys every so often, so the table holds about a day of keys.
struct ExpiredIdempotencyKeys: Service {
    static let interval: Duration = .seconds(3600)

    let database: Database
    let now: @Sendable () -> Date
    let logger: Logger

    func run() async throws {
        // Nothing to finish at shutdown: stop at once (the sleep is cancelled). A failed purge
        // is retried next time.
        await cancelWhenGracefulShutdown {
            while (try? await Task.sleep(for: Self.interval)) != nil {
                do {
                    let nowMs = now().millisecondsSince1970
                    try await database.withSession { try await IdempotencyRecords.purgeExpired(at: nowMs, on: $0) }
                } catch {
                    logger.warning("could not purge expired idempotency keys", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
