import BoxOfficeEdge
import BoxOfficeStorage
import Hummingbird
import SeatClient

/// `/healthz` (the process answers), `/readyz` (it can do its work: the database answers and
/// the seat server answers a ping) and the public keys of access tokens.
struct HealthController: Sendable {
    typealias Context = BoxOfficeRequestContext
    /// A dependency slower than this counts as down for readiness.
    static let checkTimeout: Duration = .seconds(2)

    let database: Database
    let seats: SeatClient?
    let jwks: AccessTokenKeys.JWKSet

    func addRoutes(to router: Router<Context>) {
        router.get("healthz") { _, _ in Status(status: "ok", checks: nil) }
        router.get("readyz", use: readiness)
        router.get(".well-known/jwks.json") { _, _ in
            EditedResponse(headers: [.cacheControl: "public, max-age=300"], response: jwks)
        }
    }

    struct Status: ResponseEncodable {
        var status: String
        var checks: [String: String]?
    }

    @Sendable func readiness(_ request: Request, context: Context) async throws -> EditedResponse<Status> {
        var checks: [String: String] = [:]
        checks["database"] = await Self.check { try await database.ping() }
        if let seats {
            checks["seatd"] = await Self.check { _ = try await seats.ping() }
        }
        let ready = checks.values.allSatisfy { $0 == "ok" }
        return EditedResponse(status: ready ? .ok : .serviceUnavailable,
                              headers: [.cacheControl: "no-store"],
                              response: Status(status: ready ? "ready" : "unavailable", checks: checks))
    }

    /// "ok", or why not (kept short: readiness output is for operators and probes, not users).
    static func check(_ probe: @escaping @Sendable () async throws -> Void) async -> String {
        do {
            return try await withThrowingTaskGroup(of: String.self) { group in
                group.addTask {
                    try await probe()
                    return "ok"
                }
                group.addTask {
                    try await Task.sleep(for: checkTimeout)
                    return "timed out"
                }
                let first = try await group.next() ?? "unknown"
                group.cancelAll()
                return first
            }
        } catch {
            return "failed"
        }
    }
}

extension AccessTokenKeys.JWKSet: ResponseEncodable {}
