import Foundation
import Logging
import NIOPosix
import SeatServer
import SeatTestSupport
import Synchronization
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The admin port's routes: metrics as rendered, liveness, readiness with its reason, and the
/// answers to anything else.
@Suite(.timeLimit(.minutes(1))) struct HealthEndpointTests {
    @Test func readinessFollowsItsReasonAndOtherPathsAreRefused() async throws {
        let reason = Mutex<String?>(nil)
        let endpoint = try await MetricsEndpoint.start(
            host: "127.0.0.1", port: 0, group: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "test"),
            render: { Array("# HELP seatd_test Rendered.\n".utf8) }, unreadiness: { reason.withLock { $0 } })
        let port = try #require(endpoint.localPort)
        #expect(try await Self.request("GET", "/metrics", port: port) == (200, "# HELP seatd_test Rendered.\n"))
        #expect(try await Self.request("GET", "/healthz", port: port) == (200, "ok\n"))
        #expect(try await Self.request("GET", "/readyz", port: port) == (200, "ready\n"))
        reason.withLock { $0 = "the journal takes no changes" }
        #expect(try await Self.request("GET", "/readyz", port: port) == (503, "not ready: the journal takes no changes\n"))
        #expect(try await Self.request("GET", "/healthz", port: port).status == 200)
        #expect(try await Self.request("GET", "/nowhere", port: port).status == 404)
        #expect(try await Self.request("POST", "/metrics", port: port).status == 405)
        await endpoint.stop()
    }

    @Test func aServerIsUnreadyOnceItStopsListening() async throws {
        let server = try await TestServer.start()
        #expect(server.server.unreadiness == nil)
        await server.server.shutdown()
        #expect(server.server.unreadiness == "not listening (starting or shutting down)")
        try await server.stop()
    }

    static func request(_ method: String, _ path: String, port: Int) async throws -> (status: Int, body: String) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }
}

