import Accounts
import BoxOfficeEdge
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Accounts over HTTP, on SQLite and PostgreSQL", .timeLimit(.minutes(3)))
struct AccountsRouteTests {
    @Test(arguments: TestEngine.allCases)
    func signUpVerifyLogInReadAndUpdateTheProfile(engine: TestEngine) async throws {
        try await Harness.withApp(engine) { client, components in
            let steps = AccountSteps(client: client, components: components)
            let created = try await steps.signUp("  Ada@Example.COM ", name: "Ada Lovelace")
            #expect(created.email == "ada@example.com")
            #expect(created.roles == ["customer"])
            #expect(!created.emailVerified)

            let mail = try await steps.lastMail("account.email_verification", to: created.id)
            #expect(mail.email == "ada@example.com")
            let verify = try await client.request(.post, "/api/v1/auth/verify-email", json: #"{"token":"\#(mail.token)"}"#)
            #expect(verify.status == .noContent)
            // Single use: the same token again is refused.
            let again = try await client.request(.post, "/api/v1/auth/verify-email", json: #"{"token":"\#(mail.token)"}"#)
            #expect(again.status == .badRequest)
            #expect(try again.problem().code == "invalid_token")

            let tokens = try await steps.logIn("ADA@example.com")
            #expect(tokens.tokenType == "Bearer")
            #expect(tokens.expiresIn == 900)
            let me = try await client.request(.get, "/api/v1/me", token: tokens.accessToken)
            #expect(me.status == .ok)
            let profile: AccountsAPI.UserResponse = try me.json()
            #expect(profile.emailVerified)
            #expect(profile.name == "Ada Lovelace")

            let patched = try await client.request(
                .patch, "/api/v1/me", token: tokens.accessToken,
                json: #"{"city":"Pune","phone":"+91 98765-43210","preferredGenres":["Drama","sci-fi","drama"],"consents":{"marketingEmail":true,"sms":false,"push":true}}"#)
            #expect(patched.status == .ok, "\(patched.text)")
            let updated: AccountsAPI.UserResponse = try patched.json()
            #expect(updated.city == "Pune")
            #expect(updated.phone == "+919876543210")
            #expect(updated.preferredGenres == ["drama", "sci-fi"])
            #expect(updated.consents == Consents(marketingEmail: true, sms: false, push: true))

            let cleared = try await client.request(.patch, "/api/v1/me", token: tokens.accessToken, json: #"{"city":null}"#)
            let afterClear: AccountsAPI.UserResponse = try cleared.json()
            #expect(afterClear.city == nil)
            #expect(afterClear.phone == "+919876543210")

            // Messages in Hindi, then back to English; a language messages are not written in is refused.
            let hindi: AccountsAPI.UserResponse = try await client.request(
                .patch, "/api/v1/me", token: tokens.accessToken, json: #"{"messageLanguage":"hi"}"#).json()
            #expect(hindi.messageLanguage == "hi")
            #expect(try await client.request(.patch, "/api/v1/me", token: tokens.accessToken, json: #"{"messageLanguage":"fr"}"#).status
                == .unprocessableContent)
            let english: AccountsAPI.UserResponse = try await client.request(
                .patch, "/api/v1/me", token: tokens.accessToken, json: #"{"messageLanguage":null}"#).json()
            #expect(english.messageLanguage == "en")

            // Only E.164 numbers, which text messages go to: a plus, no leading zero, 8 to 15 digits.
            for phone in ["+0919876543210", "919876543210", "+1234567", "+1234567890123456", "+91 98765 4321x"] {
                let refused = try await client.request(.patch, "/api/v1/me", token: tokens.accessToken, json: #"{"phone":"\#(phone)"}"#)
                #expect(refused.status == .unprocessableContent, "\(phone)")
            }
        }
    }

    @Test(arguments: TestEngine.allCases)
    func signUpRefusesBadInputNamingTheField(engine: TestEngine) async throws {
        try await Harness.withApp(engine) { client, components in
            let cases: [(json: String, field: String?, status: HTTPResponse.Status, code: String)] = [
                (#"{"email":"not-an-email","password":"correct horse battery","name":"A"}"#, "email", .unprocessableContent, "validation_failed"),
                (#"{"email":"a@example.com","password":"short","name":"A"}"#, "password", .unprocessableContent, "validation_failed"),
                (#"{"email":"a@example.com","password":"password123","name":"A"}"#, "password", .unprocessableContent, "validation_failed"),
                (#"{"email":"a@example.com","password":"correct horse battery","name":"  "}"#, "name", .unprocessableContent, "validation_failed"),
                (#"{"email":"a@example.com","password":"correct horse battery"}"#, nil, .badRequest, "malformed_body"),
                (#"{"email":"a@example.com","password":42,"name":"A"}"#, nil, .badRequest, "malformed_body"),
                (#"{"email":"a@example.com","#, nil, .badRequest, "malformed_body"),
            ]
            for testCase in cases {
                let response = try await client.request(.post, "/api/v1/accounts", json: testCase.json)
                #expect(response.status == testCase.status, "\(testCase.json): \(response.text)")
                let problem = try response.problem()
                #expect(problem.code == testCase.code)
                if let field = testCase.field { #expect(problem.errors?.first?.field == field) }
                #expect(!response.text.contains("DecodingError"), "raw decoding error leaked: \(response.text)")
            }
            let missingName = try await client.request(.post, "/api/v1/accounts", json: #"{"email":"a@example.com","password":"correct horse battery"}"#)
            #expect(try missingName.problem().detail == "/name is required")

            let steps = AccountSteps(client: client, components: components)
            try await steps.signUp("taken@example.com")
            let duplicate = try await client.request(
                .post, "/api/v1/accounts", json: #"{"email":"TAKEN@example.com","password":"another good one","name":"B"}"#)
            #expect(duplicate.status == .conflict)
            #expect(try duplicate.problem().code == "email_taken")
        }
    }

    @Test(arguments: TestEngine.allCases)
    func refreshRotatesAndAReusedTokenEndsTheSession(engine: TestEngine) async throws {
        try await Harness.withApp(engine) { client, components in
            let steps = AccountSteps(client: client, components: components)
            let first = try await steps.newCustomer("rotating@example.com")

            let refreshed = try await client.request(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(first.refreshToken)"}"#)
            #expect(refreshed.status == .ok)
            let second: AccountSteps.Tokens = try refreshed.json()
            #expect(second.refreshToken != first.refreshToken)
            #expect(second.sessionId == first.sessionId)

            // The first token again: reuse. The session ends, so even the newest token fails.
            let reused = try await client.request(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(first.refreshToken)"}"#)
            #expect(reused.status == .unauthorized)
            #expect(try reused.problem().code == "refresh_token_reused")
            let newest = try await client.request(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(second.refreshToken)"}"#)
            #expect(newest.status == .unauthorized)
            #expect(try newest.problem().code == "invalid_refresh_token")

            let unknown = try await client.request(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"bo_rt_nonsense"}"#)
            #expect(try unknown.problem().code == "invalid_refresh_token")
        }
    }

    @Test(arguments: TestEngine.allCases)
    func logoutAndSessionRevocationEndRefreshing(engine: TestEngine) async throws {
        try await Harness.withApp(engine) { client, components in
            let steps = AccountSteps(client: client, components: components)
            try await steps.signUp("sessions@example.com")
            let phone = try await steps.logIn("sessions@example.com")
            let laptop = try await steps.logIn("sessions@example.com")

            let listed = try await client.request(.get, "/api/v1/me/sessions", token: laptop.accessToken)
            let sessions = try listed.json(AccountsAPI.SessionsResponse.self).sessions
            #expect(Set(sessions.map(\.id)) == [phone.sessionId, laptop.sessionId])

            let revoke = try await client.request(.delete, "/api/v1/me/sessions/\(phone.sessionId)", token: laptop.accessToken)
            #expect(revoke.status == .noContent)
            let phoneRefresh = try await client.request(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(phone.refreshToken)"}"#)
            #expect(phoneRefresh.status == .unauthorized)

            let logout = try await client.request(.post, "/api/v1/auth/logout", json: #"{"refreshToken":"\#(laptop.refreshToken)"}"#)
            #expect(logout.status == .noContent)
            let laptopRefresh = try await client.request(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(laptop.refreshToken)"}"#)
            #expect(laptopRefresh.status == .unauthorized)
            let remaining = try await client.request(.get, "/api/v1/me/sessions", token: laptop.accessToken)
            #expect(try remaining.json(AccountsAPI.SessionsResponse.self).sessions.isEmpty)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func passwordResetIsSingleUseAndEndsEverySession(engine: TestEngine) async throws {
        try await Harness.withApp(engine) { client, components in
            let steps = AccountSteps(client: client, components: components)
            let tokens = try await steps.newCustomer("forgetful@example.com")

            // Unknown addresses get the same answer, and no mail.
            let unknown = try await client.request(.post, "/api/v1/auth/password-reset", json: #"{"email":"nobody@example.com"}"#)
            #expect(unknown.status == .accepted)
            let known = try await client.request(.post, "/api/v1/auth/password-reset", json: #"{"email":"forgetful@example.com"}"#)
            #expect(known.status == .accepted)
            let mail = try await steps.lastMail("account.password_reset", to: tokens.user.id)

            let weak = try await client.request(.post, "/api/v1/auth/password-reset/confirm",
                                                json: #"{"token":"\#(mail.token)","newPassword":"short"}"#)
            #expect(weak.status == .unprocessableContent)
            // A refused new password does not spend the token.
            let reset = try await client.request(.post, "/api/v1/auth/password-reset/confirm",
                                                 json: #"{"token":"\#(mail.token)","newPassword":"a brand new secret"}"#)
            #expect(reset.status == .noContent, "\(reset.text)")
            let replay = try await client.request(.post, "/api/v1/auth/password-reset/confirm",
                                                  json: #"{"token":"\#(mail.token)","newPassword":"yet another secret"}"#)
            #expect(replay.status == .badRequest)

            let oldRefresh = try await client.request(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(tokens.refreshToken)"}"#)
            #expect(oldRefresh.status == .unauthorized)
            let oldPassword = try await client.request(.post, "/api/v1/auth/login", json: #"{"email":"forgetful@example.com","password":"\#(AccountSteps.password)"}"#)
            #expect(oldPassword.status == .unauthorized)
            _ = try await steps.logIn("forgetful@example.com", password: "a brand new secret")
        }
    }

    @Test(arguments: TestEngine.allCases)
    func repeatedWrongPasswordsLockTheAccountForAWhile(engine: TestEngine) async throws {
        try await Harness.withApp(engine, configure: Harness.generousRateLimits) { client, components in
            let steps = AccountSteps(client: client, components: components)
            try await steps.signUp("target@example.com")
            let wrong = #"{"email":"target@example.com","password":"not the password"}"#
            for _ in 0..<LoginThrottle().failuresFree {
                let response = try await client.request(.post, "/api/v1/auth/login", json: wrong)
                #expect(response.status == .unauthorized)
                #expect(try response.problem().code == "invalid_credentials")
            }
            // Locked now: even the right password is refused until the lock passes.
            let right = try await client.request(.post, "/api/v1/auth/login", json: #"{"email":"target@example.com","password":"\#(AccountSteps.password)"}"#)
            #expect(right.status == .tooManyRequests)
            #expect(try right.problem().code == "account_locked")
            #expect(Int(right.headers[.retryAfter] ?? "") ?? 0 > 0)

            // Unknown accounts answer exactly like wrong passwords.
            let unknown = try await client.request(.post, "/api/v1/auth/login", json: #"{"email":"ghost@example.com","password":"whatever it is"}"#)
            #expect(unknown.status == .unauthorized)
            #expect(try unknown.problem().code == "invalid_credentials")
        }
    }
}
