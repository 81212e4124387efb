import BoxOfficeEdge
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite("The edge: errors, limits and headers on every route", .timeLimit(.minutes(2)))
struct EdgeTests {
    @Test func unknownRoutesAndMethodsAreProblems() async throws {
        try await Harness.withApp(.sqlite) { client, _ in
            let missing = try await client.request(.get, "/api/v1/nothing-here")
            #expect(missing.status == .notFound)
            #expect(try missing.problem().code == "not_found")
            #expect(missing.headers[.requestID]?.isEmpty == false)
            #expect(try missing.problem().requestId == missing.headers[.requestID])
        }
    }

    @Test func aKnownPathAskedWithAnotherMethodIsA405WithAllow() async throws {
        try await Harness.withApp(.sqlite) { client, _ in
            let response = try await client.request(.put, "/api/v1/me")
            #expect(response.status == .methodNotAllowed)
            #expect(response.headers[.allow] == "DELETE, GET, PATCH")
            #expect(try response.problem().code == "method_not_allowed")
            let login = try await client.request(.get, "/api/v1/auth/login")
            #expect(login.headers[.allow] == "POST")
        }
    }

    @Test func anOversizedBodyIsRefusedBeforeAnyHandler() async throws {
        try await Harness.withApp(.sqlite) { client, _ in
            let huge = #"{"email":"a@example.com","password":"x","name":""# + String(repeating: "a", count: 100_000) + #""}"#
            let response = try await client.request(.post, "/api/v1/accounts", json: huge)
            #expect(response.status == .contentTooLarge)
            #expect(try response.problem().code == "body_too_large")
        }
    }

    @Test func everyResponseCarriesTheSecurityHeaders() async throws {
        try await Harness.withApp(.sqlite) { client, _ in
            for path in ["/healthz", "/api/v1/nothing-here", "/api/v1/me"] {
                let response = try await client.request(.get, path)
                #expect(response.headers[.xContentTypeOptions] == "nosniff", "\(path)")
                #expect(response.headers[.contentSecurityPolicy]?.contains("default-src 'self'") == true)
                #expect(response.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
                // No TLS in this test, so no HSTS.
                #expect(response.headers[.strictTransportSecurity] == nil)
            }
        }
    }

    @Test func onlyConfiguredOriginsGetCrossOriginAccess() async throws {
        try await Harness.withApp(.sqlite, configure: { $0.corsAllowedOrigins = ["https://app.example.com"] }) { client, _ in
            let allowed = try await client.request(.get, "/healthz", headers: [.origin: "https://app.example.com"])
            #expect(allowed.headers[.accessControlAllowOrigin] == "https://app.example.com")
            #expect(allowed.headers[.vary] == "Origin")
            let other = try await client.request(.get, "/healthz", headers: [.origin: "https://evil.example.com"])
            #expect(other.headers[.accessControlAllowOrigin] == nil)
            let preflight = try await client.request(
                .options, "/api/v1/accounts",
                headers: [.origin: "https://app.example.com", .accessControlRequestMethod: "POST"])
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[.accessControlAllowHeaders]?.contains("Idempotency-Key") == true)
            // Error responses carry the header too, so the page can read the problem.
            let error = try await client.request(.get, "/api/v1/me", headers: [.origin: "https://app.example.com"])
            #expect(error.status == .unauthorized)
            #expect(error.headers[.accessControlAllowOrigin] == "https://app.example.com")
        }
    }

    @Test(arguments: TestEngine.allCases)
    func healthAndReadinessReportTheDatabase(engine: TestEngine) async throws {
        try await Harness.withApp(engine) { client, _ in
            let health = try await client.request(.get, "/healthz")
            #expect(health.status == .ok)
            let ready = try await client.request(.get, "/readyz")
            #expect(ready.status == .ok, "\(ready.text)")
            #expect(ready.text.contains(#""database":"ok""#))
            let jwks = try await client.request(.get, "/.well-known/jwks.json")
            let set = try jwks.json(AccessTokenKeys.JWKSet.self)
            #expect(set.keys.count == 1 && set.keys[0].crv == "Ed25519" && set.keys[0].alg == "EdDSA")
        }
    }

    @Test func readinessFailsWhenSeatdIsUnreachable() async throws {
        try await Harness.withApp(.sqlite, configure: {
            // A port nothing listens on: connecting is refused at once.
            $0.seatd = .init(host: "127.0.0.1", port: 1, apiKey: "unused")
        }) { client, _ in
            let ready = try await client.request(.get, "/readyz")
            #expect(ready.status == .serviceUnavailable)
            #expect(ready.text.contains(#""seatd":"failed""#) || ready.text.contains(#""seatd":"timed out""#))
        }
    }
}
