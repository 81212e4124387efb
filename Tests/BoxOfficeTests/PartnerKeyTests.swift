import Accounts
import BoxOfficeEdge
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Partner API keys", .timeLimit(.minutes(2)))
struct PartnerKeyTests {
    @Test(arguments: TestEngine.allCases)
    func anAdminMakesListsAndRevokesKeysWhoseSecretIsShownOnce(engine: TestEngine) async throws {
        try await Harness.withApp(engine) { client, components in
            let steps = AccountSteps(client: client, components: components)
            let admin = try await steps.newAdmin()
            let created = try await client.request(
                .post, "/api/v1/admin/api-keys", token: admin.accessToken,
                json: #"{"name":"Cineapp","scopes":["catalog:read","bookings:write"],"theatreIds":["pvr-pune"]}"#)
            #expect(created.status == .created, "\(created.text)")
            let made: AccountsAPI.CreatedPartnerKey = try created.json()
            #expect(made.secret.hasPrefix("bo_pk_"))
            #expect(made.key.scopes == [.bookingsWrite, .catalogRead])

            let listed = try await client.request(.get, "/api/v1/admin/api-keys", token: admin.accessToken)
            #expect(listed.status == .ok)
            #expect(!listed.text.contains(made.secret))
            #expect(try listed.json(AccountsAPI.PartnerKeys.self).keys.map(\.id) == [made.key.id])

            // The key speaks for the partner: authenticated, but neither a person nor an admin.
            let me = try await client.request(.get, "/api/v1/me", headers: [.apiKey: made.secret])
            #expect(me.status == .forbidden)
            let adminRoute = try await client.request(.get, "/api/v1/admin/users", headers: [.apiKey: made.secret])
            #expect(adminRoute.status == .forbidden)
            let both = try await client.request(.get, "/api/v1/me", token: admin.accessToken, headers: [.apiKey: made.secret])
            #expect(both.status == .badRequest)
            #expect(try both.problem().code == "ambiguous_credentials")

            let revoke = try await client.request(.delete, "/api/v1/admin/api-keys/\(made.key.id)", token: admin.accessToken)
            #expect(revoke.status == .noContent)
            let afterRevoke = try await client.request(.get, "/api/v1/me", headers: [.apiKey: made.secret])
            #expect(afterRevoke.status == .unauthorized)
            #expect(try afterRevoke.problem().code == "invalid_api_key")
            let again = try await client.request(.delete, "/api/v1/admin/api-keys/\(made.key.id)", token: admin.accessToken)
            #expect(again.status == .notFound)

            let identity = try await components.accounts.authenticatePartner(secret: made.secret)
            #expect(identity == nil)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func keysAreValidatedAndOnlyAdminsManageThem(engine: TestEngine) async throws {
        try await Harness.withApp(engine) { client, components in
            let steps = AccountSteps(client: client, components: components)
            let admin = try await steps.newAdmin()
            let customer = try await steps.newCustomer("customer@example.com")
            for body in [#"{"name":"X","scopes":["root"]}"#, #"{"name":"X","scopes":[]}"#,
                         #"{"name":"X","scopes":["catalog:read"],"theatreIds":["Bad Id"]}"#, #"{"name":"","scopes":["catalog:read"]}"#] {
                let response = try await client.request(.post, "/api/v1/admin/api-keys", token: admin.accessToken, json: body)
                #expect(response.status == .unprocessableContent, "\(body)")
            }
            let asCustomer = try await client.request(.post, "/api/v1/admin/api-keys", token: customer.accessToken,
                                                      json: #"{"name":"X","scopes":["catalog:read"]}"#)
            #expect(asCustomer.status == .forbidden)
            let unknown = try await client.request(.get, "/api/v1/me", headers: [.apiKey: "bo_pk_not-a-key"])
            #expect(unknown.status == .unauthorized)
            let stored = try await components.accounts.partnerKeys()
            #expect(stored.isEmpty)
        }
    }
}
