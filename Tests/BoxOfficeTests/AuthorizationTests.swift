import Accounts
import BoxOfficeEdge
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Who may do what: roles and objects", .timeLimit(.minutes(3)))
struct AuthorizationTests {
    /// Every route that acts on the caller's own account.
    static let ownAccountRoutes: [(HTTPRequest.Method, String, String?)] = [
        (.get, "/api/v1/me", nil),
        (.patch, "/api/v1/me", #"{"name":"X"}"#),
        (.delete, "/api/v1/me", #"{"password":"correct horse battery"}"#),
        (.get, "/api/v1/me/export", nil),
        (.post, "/api/v1/me/password", #"{"currentPassword":"correct horse battery","newPassword":"another fine secret"}"#),
        (.post, "/api/v1/me/verify-email", nil),
        (.get, "/api/v1/me/sessions", nil),
        (.delete, "/api/v1/me/sessions/some-session", nil),
    ]

    static let adminRoutes: [(HTTPRequest.Method, String, String?)] = [
        (.get, "/api/v1/admin/users", nil),
        (.get, "/api/v1/admin/users/some-user", nil),
        (.patch, "/api/v1/admin/users/some-user", #"{"roles":["admin"]}"#),
        (.delete, "/api/v1/admin/users/some-user", nil),
    ]

    @Test(arguments: TestEngine.allCases)
    func everyProtectedRouteRefusesAnonymousAndBadTokens(engine: TestEngine) async throws {
        try await Harness.withApp(engine) { client, _ in
            for (method, path, body) in Self.ownAccountRoutes + Self.adminRoutes {
                let anonymous = try await client.request(method, path, json: body)
                #expect(anonymous.status == .unauthorized, "\(method) \(path)")
                #expect(try anonymous.problem().code == "unauthenticated")
                #expect(anonymous.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)

                let forged = try await client.request(method, path, token: "eyJhbGciOiJub25lIn0.e30.", json: body)
                #expect(forged.status == .unauthorized, "\(method) \(path)")
                #expect(try forged.problem().code == "invalid_token")

                let basic = try await client.request(method, path, json: body, headers: [.authorization: "Basic YTpi"])
                #expect(basic.status == .unauthorized)
            }
        }
    }

    @Test(arguments: TestEngine.allCases)
    func customersCannotUseAdminRoutesAndAdminsCan(engine: TestEngine) async throws {
        try await Harness.withApp(engine) { client, components in
            let steps = AccountSteps(client: client, components: components)
            let customer = try await steps.newCustomer("customer@example.com")
            for (method, path, body) in Self.adminRoutes {
                let response = try await client.request(method, path, token: customer.accessToken, json: body)
                #expect(response.status == .forbidden, "\(method) \(path)")
                #expect(try response.problem().code == "forbidden")
            }
            let admin = try await steps.newAdmin()
            let list = try await client.request(.get, "/api/v1/admin/users?limit=1", token: admin.accessToken)
            #expect(list.status == .ok)
            let firstPage: AccountsAPI.UserPage = try list.json()
            #expect(firstPage.users.count == 1)
            let cursor = try #require(firstPage.nextCursor)
            let second = try await client.request(.get, "/api/v1/admin/users?limit=1&cursor=\(cursor)", token: admin.accessToken)
            let secondPage: AccountsAPI.UserPage = try second.json()
            #expect(Set((firstPage.users + secondPage.users).map(\.email)) == ["customer@example.com", "admin@example.com"])
            #expect(secondPage.nextCursor == nil)

            let badCursor = try await client.request(.get, "/api/v1/admin/users?cursor=%27%3B--", token: admin.accessToken)
            #expect(badCursor.status == .unprocessableContent)
            let badLimit = try await client.request(.get, "/api/v1/admin/users?limit=100000", token: admin.accessToken)
            #expect(try badLimit.problem().errors?.first?.field == "limit")

            // Make the customer staff of a theatre; their next token carries it.
            let promote = try await client.request(.patch, "/api/v1/admin/users/\(customer.user.id)", token: admin.accessToken,
                                                   json: #"{"roles":["customer","staff"],"theatreIds":["pvr-pune"]}"#)
            #expect(promote.status == .ok, "\(promote.text)")
            let refreshed = try await client.request(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(customer.refreshToken)"}"#)
            let staffTokens: AccountSteps.Tokens = try refreshed.json()
            #expect(staffTokens.user.roles == ["customer", "staff"])
            #expect(staffTokens.user.theatreIds == ["pvr-pune"])

            let unknownRole = try await client.request(.patch, "/api/v1/admin/users/\(customer.user.id)", token: admin.accessToken,
                                                       json: #"{"roles":["superuser"]}"#)
            #expect(unknownRole.status == .unprocessableContent)
            let selfDemotion = try await client.request(.patch, "/api/v1/admin/users/\(admin.user.id)", token: admin.accessToken,
                                                        json: #"{"roles":["customer"]}"#)
            #expect(selfDemotion.status == .unprocessableContent)

            // Disabling ends the sessions and blocks login.
            let disable = try await client.request(.patch, "/api/v1/admin/users/\(customer.user.id)", token: admin.accessToken,
                                                   json: #"{"status":"disabled"}"#)
            #expect(disable.status == .ok)
            let refreshAfter = try await client.request(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(staffTokens.refreshToken)"}"#)
            #expect(refreshAfter.status == .unauthorized)
            let login = try await client.request(.post, "/api/v1/auth/login", json: #"{"email":"customer@example.com","password":"\#(AccountSteps.password)"}"#)
            #expect(login.status == .forbidden)
            #expect(try login.problem().code == "account_disabled")
        }
    }

    @Test(arguments: TestEngine.allCases)
    func powerFollowsTheAccountNotTheOldToken(engine: TestEngine) async throws {
        try await Harness.withApp(engine) { client, components in
            let steps = AccountSteps(client: client, components: components)
            let first = try await steps.newAdmin("first-admin@example.com")
            let second = try await steps.newAdmin("second-admin@example.com")
            // Demoted: the token still says admin, the admin routes go by the account.
            let demote = try await client.request(.patch, "/api/v1/admin/users/\(first.user.id)", token: second.accessToken,
                                                  json: #"{"roles":["customer"]}"#)
            #expect(demote.status == .ok)
            let afterDemotion = try await client.request(.get, "/api/v1/admin/users", token: first.accessToken)
            #expect(afterDemotion.status == .forbidden)
            // Disabled: refused outright, whatever the token says.
            try await client.request(.patch, "/api/v1/admin/users/\(first.user.id)", token: second.accessToken,
                                     json: #"{"roles":["admin"],"status":"disabled"}"#)
            let afterDisabling = try await client.request(.get, "/api/v1/admin/api-keys", token: first.accessToken)
            #expect(afterDisabling.status == .unauthorized)
            #expect(try afterDisabling.problem().code == "account_inactive")
            #expect(try await client.request(.get, "/api/v1/admin/users", token: second.accessToken).status == .ok)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func nobodyReachesAnotherPersonsAccount(engine: TestEngine) async throws {
        try await Harness.withApp(engine) { client, components in
            let steps = AccountSteps(client: client, components: components)
            let alice = try await steps.newCustomer("alice@example.com")
            let bob = try await steps.newCustomer("bob@example.com")

            // Bob cannot end Alice's session, even knowing its id: it is not his.
            let revoke = try await client.request(.delete, "/api/v1/me/sessions/\(alice.sessionId)", token: bob.accessToken)
            #expect(revoke.status == .notFound)
            let aliceRefresh = try await client.request(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(alice.refreshToken)"}"#)
            #expect(aliceRefresh.status == .ok)

            // Everything under /me is Bob's own: his export holds none of Alice's data.
            let export = try await client.request(.get, "/api/v1/me/export", token: bob.accessToken)
            #expect(!export.text.contains("alice"))
            #expect(!export.text.contains(alice.user.id))
            let sessions = try await client.request(.get, "/api/v1/me/sessions", token: bob.accessToken)
            #expect(!sessions.text.contains(alice.sessionId))

            // A customer asking for another user through the admin routes is refused.
            let peek = try await client.request(.get, "/api/v1/admin/users/\(alice.user.id)", token: bob.accessToken)
            #expect(peek.status == .forbidden)
            let edit = try await client.request(.patch, "/api/v1/admin/users/\(alice.user.id)", token: bob.accessToken, json: #"{"status":"disabled"}"#)
            #expect(edit.status == .forbidden)
        }
    }
}
