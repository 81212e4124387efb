import Foundation
import Logging
import ServiceLifecycle

/// Keeps the served model fresh (the first is begun as the server starts): every
/// `checkIntervalSeconds` rebuilds when `rebuildAfterSignals` new signals arrived, the model is
/// `rebuildIntervalSeconds` old, or a person's data was erased; and deletes signals past the
/// retention window every hour.
public struct RecommendationRebuilder: Service {
    static let sweepIntervalSeconds = 3_600

    let service: RecommendationService

    public init(service: RecommendationService) { self.service = service }

    public func run() async throws {
        let configuration = service.configuration
        let check = Duration.seconds(configuration.checkIntervalSeconds)
        await cancelWhenGracefulShutdown {
            var lastSweep = ContinuousClock.now - .seconds(Self.sweepIntervalSeconds)
            // The first model is begun as the server starts, once the database is migrated.
            while (try? await Task.sleep(for: check)) != nil {
                do {
                    if ContinuousClock.now - lastSweep >= .seconds(Self.sweepIntervalSeconds) {
                        try await service.sweepExpiredSignals()
                        lastSweep = .now
                    }
                    if try await isDue() {
                        service.archive.erasures.isSet.store(false, ordering: .relaxed)
                        // A failed build is logged by the build; the next check tries again.
                        _ = try? await service.rebuild()
                    }
                } catch {
                    service.logger.warning("could not check the recommendation signals", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    func isDue() async throws -> Bool {
        guard let builtAt = service.served.withLock({ $0?.builtAt }) else { return true }
        if service.archive.erasures.isSet.load(ordering: .relaxed) { return true }
        if service.now().timeIntervalSince(builtAt) >= TimeInterval(service.configuration.rebuildIntervalSeconds) { return true }
        return try await service.signalsSinceLastBuild() >= service.configuration.rebuildAfterSignals
    }
}
