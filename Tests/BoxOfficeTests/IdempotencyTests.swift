import BoxOfficeEdge
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Idempotency-Key on POST", .timeLimit(.minutes(2)))
struct IdempotencyTests {
    static let signUp = #"{"email":"once@example.com","password":"correct horse battery","name":"Once"}"#

    @Test(arguments: TestEngine.allCases)
    func aRetriedSignUpGetsTheFirstAnswerAndCreatesOneAccount(engine: TestEngine) async throws {
        try await Harness.withApp(engine) { client, components in
            let first = try await client.request(.post, "/api/v1/accounts", json: Self.signUp, headers: [.idempotencyKey: "signup-1"])
            #expect(first.status == .created)
            let retry = try await client.request(.post, "/api/v1/accounts", json: Self.signUp, headers: [.idempotencyKey: "signup-1"])
            #expect(retry.status == .created)
            #expect(retry.headers[.idempotentReplayed] == "true")
            #expect(retry.text == first.text)
            #expect(retry.headers[.location] == first.headers[.location])

            // Without the key the same body is a new request: the address is taken now.
            let fresh = try await client.request(.post, "/api/v1/accounts", json: Self.signUp)
            #expect(fresh.status == .conflict)

            let otherBody = try await client.request(
                .post, "/api/v1/accounts", json: #"{"email":"other@example.com","password":"correct horse battery","name":"O"}"#,
                headers: [.idempotencyKey: "signup-1"])
            #expect(otherBody.status == .unprocessableContent)
            #expect(try otherBody.problem().code == "idempotency_key_reused")
        }
    }

    @Test(arguments: TestEngine.allCases)
    func refusalsAreReplayedButKeysAreValidated(engine: TestEngine) async throws {
        try await Harness.withApp(engine) { client, _ in
            let bad = #"{"email":"nope","password":"correct horse battery","name":"N"}"#
            let first = try await client.request(.post, "/api/v1/accounts", json: bad, headers: [.idempotencyKey: "k"])
            #expect(first.status == .unprocessableContent)
            let again = try await client.request(.post, "/api/v1/accounts", json: bad, headers: [.idempotencyKey: "k"])
            #expect(again.headers[.idempotentReplayed] == "true")

            for key in [String(repeating: "k", count: 256), "has space", "tab\tkey"] {
                let response = try await client.request(.post, "/api/v1/accounts", json: bad, headers: [.idempotencyKey: key])
                #expect(response.status == .unprocessableContent)
                #expect(try response.problem().errors?.first?.field == "Idempotency-Key")
            }
        }
    }

    @Test(arguments: TestEngine.allCases)
    func concurrentRequestsWithOneKeyRunOnce(engine: TestEngine) async throws {
        try await Harness.withApp(engine) { client, _ in
            let statuses = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String?).self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        let response = try await client.request(.post, "/api/v1/accounts", json: Self.signUp,
                                                                headers: [.idempotencyKey: "race"])
                        return (response.status, response.status == .conflict ? try response.problem().code : nil)
                    }
                }
                return try await group.reduce(into: [(HTTPResponse.Status, String?)]()) { $0.append($1) }
            }
            // Exactly one request ran; the others saw it running or replayed its answer, and
            // none of them created a second account or saw "email taken".
            #expect(statuses.allSatisfy { $0.0 == .created || ($0.0 == .conflict && $0.1 == "request_in_flight") })
            #expect(statuses.contains { $0.0 == .created })
        }
    }

    @Test func loginAnswersAreNeverStored() async throws {
        try await Harness.withApp(.sqlite) { client, components in
            let steps = AccountSteps(client: client, components: components)
            try await steps.signUp("creds@example.com")
            let login = #"{"email":"creds@example.com","password":"\#(AccountSteps.password)"}"#
            let first = try await client.request(.post, "/api/v1/auth/login", json: login, headers: [.idempotencyKey: "login"])
            let second = try await client.request(.post, "/api/v1/auth/login", json: login, headers: [.idempotencyKey: "login"])
            #expect(first.status == .ok && second.status == .ok)
            #expect(second.headers[.idempotentReplayed] == nil)
            let stored = try await components.database.withSession { session in
                try await session.select().column("scope").from("idempotency_keys").all().count
            }
            #expect(stored == 0)
        }
    }
}
