import BoxOfficeEdge
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("boxoffice on a real socket", .timeLimit(.minutes(2)))
struct LiveServerTests {
    @Test(arguments: TestEngine.allCases)
    func signUpLogInAndReadTheProfileOverTCP(engine: TestEngine) async throws {
        try await Harness.withLiveApp(engine) { client in
            let signUp = try await client.request(
                .post, "/api/v1/accounts", json: #"{"email":"live@example.com","password":"a long passphrase","name":"Live"}"#)
            #expect(signUp.status == .created)
            let login = try await client.request(.post, "/api/v1/auth/login", json: #"{"email":"live@example.com","password":"a long passphrase"}"#)
            let tokens: AccountSteps.Tokens = try login.json()
            let me = try await client.request(.get, "/api/v1/me", token: tokens.accessToken)
            #expect(me.status == .ok)
            #expect(me.headers[.requestID].map { !$0.isEmpty && $0.allSatisfy(\.isHexDigit) } == true)
            #expect(me.headers[.contentType] == "application/json; charset=utf-8")
            let ready = try await client.request(.get, "/readyz")
            #expect(ready.status == .ok)
        }
    }
}

@Suite("boxoffice over TLS", .timeLimit(.minutes(2)))
struct TLSServerTests {
    /// The seat server's test certificate (self-signed, for 127.0.0.1), shared by both servers' tests.
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("SeatServerTests/Fixtures")

    @Test func servesHTTPSWithStrictTransportSecurity() async throws {
        try await Harness.withApp(.sqlite, mode: .ahc(.https), configure: {
            $0.tls = .init(certificateChain: Self.fixtures.appendingPathComponent("test-certificate.pem").path,
                           privateKey: Self.fixtures.appendingPathComponent("test-key.pem").path)
        }) { client, _ in
            let health = try await client.request(.get, "/healthz")
            #expect(health.status == .ok)
            #expect(health.headers[.strictTransportSecurity] == "max-age=63072000; includeSubDomains")
        }
    }
}
