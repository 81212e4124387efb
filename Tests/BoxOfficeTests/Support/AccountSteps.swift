import Accounts
import BoxOfficeApp
import BoxOfficeStorage
import Foundation
import HummingbirdTesting
import Testing

/// Steps most account tests share: sign up, read the mail the outbox holds, log in.
struct AccountSteps {
    let client: any TestClientProtocol
    let components: BoxOfficeComponents

    static let password = "correct horse battery"

    struct Tokens: Decodable {
        var accessToken: String
        var refreshToken: String
        var sessionId: String
        var expiresIn: Int
        var tokenType: String
        var user: AccountsAPI.UserResponse
    }

    @discardableResult
    func signUp(_ email: String, name: String = "Test Person", password: String = password) async throws -> AccountsAPI.UserResponse {
        let response = try await client.request(
            .post, "/api/v1/accounts", json: #"{"email":"\#(email)","password":"\#(password)","name":"\#(name)"}"#)
        #expect(response.status == .created, "\(response.text)")
        return try response.json()
    }

    func logIn(_ email: String, password: String = password) async throws -> Tokens {
        let response = try await client.request(.post, "/api/v1/auth/login", json: #"{"email":"\#(email)","password":"\#(password)"}"#)
        #expect(response.status == .ok, "\(response.text)")
        return try response.json()
    }

    /// Signs up and logs in.
    func newCustomer(_ email: String) async throws -> Tokens {
        try await signUp(email)
        return try await logIn(email)
    }

    /// An admin made directly through the service (as `boxoffice create-user` does), logged in.
    func newAdmin(_ email: String = "admin@example.com") async throws -> Tokens {
        _ = try await components.accounts.signUp(.init(email: email, password: Self.password, name: "Admin"),
                                                 roles: [.admin], emailVerified: true)
        return try await logIn(email)
    }

    struct Mail: Decodable {
        var email: String
        var token: String
        var expiresAtMs: Int64
    }

    /// The newest message of `topic` queued for `userID`.
    func lastMail(_ topic: String, to userID: String) async throws -> Mail {
        let messages = try await components.database.withSession { session in
            try await Outbox.messages(for: userID, on: session)
        }
        let message = try #require(messages.last { $0.topic == topic }, "no \(topic) message for \(userID)")
        return try JSONDecoder().decode(Mail.self, from: Data(message.payload.utf8))
    }
}
