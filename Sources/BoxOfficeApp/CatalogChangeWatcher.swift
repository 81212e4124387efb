import Catalog
import Logging
import ServiceLifecycle

/// Keeps this instance's catalog index and caches in step with changes made through other
/// instances: every `interval` it reads the catalog's version (one row) and rebuilds when it
/// moved. Polling a version works the same on SQLite and PostgreSQL and through a connection
/// pooler, which `LISTEN` does not; a second of staleness is what it costs.
struct CatalogChangeWatcher: Service {
    let catalog: CatalogService
    let interval: Duration
    let logger: Logger

    func run() async throws {
        // Nothing to finish at shutdown; a failed look is retried next time.
        await cancelWhenGracefulShutdown {
            while (try? await Task.sleep(for: interval)) != nil {
                do {
                    try await catalog.refreshIfChanged()
                } catch {
                    logger.warning("could not refresh the catalog", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
