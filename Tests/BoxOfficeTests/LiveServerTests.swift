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
            #expect(me.headers[.requestID]?.count == 32)
            #expect(me.headers[.contentType] == "application/json; charset=utf-8")
            let ready = try await client.request(.get, "/readyz")
            #expect(ready.status == .ok)
        }
    }
}
