import Accounts
import BoxOfficeStorage
import Foundation
import HummingbirdTesting
import SQLKit
import Testing

@Suite("A person's data: export and erasure", .timeLimit(.minutes(2)))
struct PrivacyTests {
    @Test(arguments: TestEngine.allCases)
    func exportHoldsEverythingAboutThePersonAndNoSecrets(engine: TestEngine) async throws {
        try await Harness.withApp(engine) { client, components in
            let steps = AccountSteps(client: client, components: components)
            let tokens = try await steps.newCustomer("export@example.com")
            try await client.request(.patch, "/api/v1/me", token: tokens.accessToken, json: #"{"city":"Mumbai","phone":"+919812345678"}"#)
            let response = try await client.request(.get, "/api/v1/me/export", token: tokens.accessToken)
            #expect(response.status == .ok)
            #expect(response.headers[.contentDisposition]?.contains("attachment") == true)
            let export: AccountService.AccountExport = try response.json()
            #expect(export.user.email == "export@example.com")
            #expect(export.user.city == "Mumbai")
            #expect(export.user.phone == "+919812345678")
            #expect(export.sessions.map(\.id) == [tokens.sessionId])
            #expect(export.messages.map(\.topic) == ["account.email_verification"])
            let mail = try await steps.lastMail("account.email_verification", to: tokens.user.id)
            for secret in [mail.token, tokens.refreshToken, "$2b$", "password"] {
                #expect(!response.text.contains(secret), "the export contains \(secret)")
            }
        }
    }

    @Test(arguments: TestEngine.allCases)
    func erasureRemovesPersonalDataKeepsTheAnonymousIDAndIsRecorded(engine: TestEngine) async throws {
        try await Harness.withApp(engine) { client, components in
            let steps = AccountSteps(client: client, components: components)
            let tokens = try await steps.newCustomer("erase@example.com")
            try await client.request(.patch, "/api/v1/me", token: tokens.accessToken, json: #"{"name":"Erin Erasable","city":"Delhi","phone":"+919811111111"}"#)

            let wrongPassword = try await client.request(.delete, "/api/v1/me", token: tokens.accessToken, json: #"{"password":"not my password"}"#)
            #expect(wrongPassword.status == .unauthorized)
            let erased = try await client.request(.delete, "/api/v1/me", token: tokens.accessToken, json: #"{"password":"\#(AccountSteps.password)"}"#)
            #expect(erased.status == .noContent)

            let id = tokens.user.id
            let leftovers = try await components.database.withSession { session in
                let user = try await session.select().column("*").from("users").where("id", .equal, id).first()
                let sessions = try await session.select().column("id").from("sessions").where("user_id", .equal, id).all()
                let tokens = try await session.select().column("token_hash").from("account_tokens").where("user_id", .equal, id).all()
                let outbox = try await Outbox.messages(for: id, on: session)
                return (try user?.decode(column: "email", as: String.self), try user?.decode(column: "name", as: String.self),
                        try user?.decode(column: "phone", as: String?.self), try user?.decode(column: "city", as: String?.self),
                        sessions.count, tokens.count, outbox.count)
            }
            #expect(leftovers.0 == "erased-\(id)@erased.invalid")
            #expect(leftovers.1 == "Erased user")
            #expect(leftovers.2 == nil && leftovers.3 == nil)
            #expect(leftovers.4 == 0 && leftovers.5 == 0 && leftovers.6 == 0)
            let record = try await components.accounts.erasure(of: id)
            #expect(record?.requestedBy == "self")

            // The person is gone for every purpose: no login, no refresh, no profile; the
            // address is free for a new account.
            let login = try await client.request(.post, "/api/v1/auth/login", json: #"{"email":"erase@example.com","password":"\#(AccountSteps.password)"}"#)
            #expect(login.status == .unauthorized)
            let refresh = try await client.request(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(tokens.refreshToken)"}"#)
            #expect(refresh.status == .unauthorized)
            let me = try await client.request(.get, "/api/v1/me", token: tokens.accessToken)
            #expect(me.status == .notFound)
            try await steps.signUp("erase@example.com")
        }
    }
}
