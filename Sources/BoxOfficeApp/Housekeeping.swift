import Logging
import ServiceLifecycle

/// Deletes, a minute after the start and then every hour, what the box office keeps only for a
/// while (expired idempotency keys, webhooks past the time providers retry them, messages
/// delivered long ago), so those tables hold a bounded stretch of time rather than everything
/// ever written. Each sweep deletes in short batches, up to a bound per turn; one that fails is
/// logged, and it and the rest of what it had left are tried again next turn.
struct Housekeeping: Service {
    static let interval: Duration = .seconds(3600)
    /// The first sweep's wait: a box office restarted more often than every `interval` still
    /// sweeps, though not in the first moments of its start.
    static let firstSweepAfter: Duration = .seconds(60)

    /// One table's deletion: returns the rows it deleted.
    struct Sweep: Sendable {
        let name: String
        let run: @Sendable () async throws -> Int
    }

    let sweeps: [Sweep]
    let logger: Logger

    func run() async throws {
        // Nothing to finish at shutdown: stop at once (the sleep is cancelled).
        await cancelWhenGracefulShutdown {
            var wait = Self.firstSweepAfter
            while (try? await Task.sleep(for: wait)) != nil {
                await sweepOnce()
                wait = Self.interval
            }
        }
    }

    /// Runs every sweep once, whether or not the ones before it failed; returns the rows each
    /// deleted, nil for one that failed.
    @discardableResult
    func sweepOnce() async -> [Int?] {
        var deleted: [Int?] = []
        for sweep in sweeps {
            do {
                let rows = try await sweep.run()
                if rows > 0 { logger.info("deleted old rows", metadata: ["what": "\(sweep.name)", "rows": "\(rows)"]) }
                deleted.append(rows)
            } catch {
                logger.warning("could not delete old rows", metadata: ["what": "\(sweep.name)", "error": "\(error)"])
                deleted.append(nil)
            }
        }
        return deleted
    }
}
