import Accounts
import BoxOfficeStorage
import Foundation
import HTTPTypes
import HummingbirdTesting
import SQLKit
import Testing

@Suite("Hostile input through every stored string field", .timeLimit(.minutes(2)))
struct HostileInputTests {
    /// SQL and markup that would do damage if it were ever spliced into a statement or a page.
    static let payloads = [
        "x'); DROP TABLE users; --", "' OR '1'='1", "Robert\\\"); DELETE FROM sessions;--", "<script>alert(1)</script>",
        "?1 $1 :name %s", "ünïcödé 😀",
    ]

    @Test(arguments: TestEngine.allCases)
    func injectionStringsAreStoredAsTextAndChangeNothingElse(engine: TestEngine) async throws {
        try await Harness.withApp(engine, configure: Harness.generousRateLimits) { client, components in
            let steps = AccountSteps(client: client, components: components)
            let victim = try await steps.newCustomer("victim@example.com")
            let admin = try await steps.newAdmin()
            for (index, payload) in Self.payloads.enumerated() {
                let quoted = try String(decoding: JSONEncoder().encode(payload), as: UTF8.self)
                // Sign-up and login: the name is stored verbatim; the email is refused as an
                // address, and a login with it is only a failed login.
                let signUp = try await client.request(
                    .post, "/api/v1/accounts",
                    json: #"{"email":"p\#(index)@example.com","password":"correct horse battery","name":\#(quoted)}"#)
                #expect(signUp.status == .created, "\(payload): \(signUp.text)")
                #expect(try signUp.json(AccountsAPI.UserResponse.self).name == payload)
                let badEmail = try await client.request(
                    .post, "/api/v1/accounts", json: #"{"email":\#(quoted),"password":"correct horse battery","name":"A"}"#)
                #expect(badEmail.status == .unprocessableContent)
                let login = try await client.request(.post, "/api/v1/auth/login", json: #"{"email":\#(quoted),"password":\#(quoted)}"#)
                #expect(login.status == .unauthorized)

                // Profile fields: stored verbatim where they are free text, refused where they have a shape.
                let city = try await client.request(.patch, "/api/v1/me", token: victim.accessToken, json: #"{"city":\#(quoted),"name":\#(quoted)}"#)
                #expect(city.status == .ok)
                let profile: AccountsAPI.UserResponse = try city.json()
                #expect(profile.city == payload && profile.name == payload)
                let phone = try await client.request(.patch, "/api/v1/me", token: victim.accessToken, json: #"{"phone":\#(quoted)}"#)
                #expect(phone.status == .unprocessableContent)

                // Tokens, cursors and path ids: refused or simply not found.
                for (path, body) in [("/api/v1/auth/refresh", #"{"refreshToken":\#(quoted)}"#),
                                     ("/api/v1/auth/verify-email", #"{"token":\#(quoted)}"#),
                                     ("/api/v1/auth/password-reset/confirm", #"{"token":\#(quoted),"newPassword":"another good one"}"#)] {
                    let response = try await client.request(.post, path, json: body)
                    #expect((400..<500).contains(Int(response.status.code)), "\(path) \(payload)")
                }
                let encoded = payload.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
                let cursor = try await client.request(.get, "/api/v1/admin/users?cursor=\(encoded)", token: admin.accessToken)
                #expect(cursor.status == .unprocessableContent)
                let user = try await client.request(.get, "/api/v1/admin/users/\(encoded)", token: admin.accessToken)
                #expect(user.status == .notFound)
                let theatres = try await client.request(.patch, "/api/v1/admin/users/\(victim.user.id)", token: admin.accessToken,
                                                        json: #"{"theatreIds":[\#(quoted)]}"#)
                #expect(theatres.status == .unprocessableContent)
            }
            // Every table is still there and holds what it should: the two accounts made above
            // plus one per payload.
            let users = try await components.database.withSession { try await $0.select().column("id").from("users").all().count }
            #expect(users == 2 + Self.payloads.count)
            let sessions = try await components.database.withSession { try await $0.select().column("id").from("sessions").all().count }
            #expect(sessions == 2)
        }
    }
}
