import BoxOfficeEdge
import Foundation
import Hummingbird

/// The JSON shapes of the accounts routes (`Protocol/openapi.yaml` describes each).
public enum AccountsAPI {
    public struct SignUpRequest: Decodable, Sendable {
        public var email: String
        public var password: String
        public var name: String
    }

    public struct LoginRequest: Decodable, Sendable {
        public var email: String
        public var password: String
    }

    public struct RefreshTokenRequest: Decodable, Sendable {
        public var refreshToken: String
    }

    public struct TokenRequest: Decodable, Sendable {
        public var token: String
    }

    public struct PasswordResetRequest: Decodable, Sendable {
        public var email: String
    }

    public struct PasswordResetConfirmation: Decodable, Sendable {
        public var token: String
        public var newPassword: String
    }

    public struct PasswordChange: Decodable, Sendable {
        public var currentPassword: String
        public var newPassword: String
    }

    public struct ErasureRequest: Decodable, Sendable {
        public var password: String
    }

    /// A partial profile: absent fields stay as they are; `null` clears phone, city and message language.
    public struct ProfilePatch: Decodable, Sendable {
        public var change: AccountService.ProfileChange

        enum Keys: String, CodingKey {
            case name, phone, city, preferredLanguages, preferredGenres, consents, messageLanguage
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Keys.self)
            func clearable(_ key: Keys) throws -> String?? {
                guard container.contains(key) else { return nil }
                return .some(try container.decodeNil(forKey: key) ? nil : container.decode(String.self, forKey: key))
            }
            change = AccountService.ProfileChange(
                name: try container.decodeUnlessAbsent(String.self, forKey: .name),
                phone: try clearable(.phone), city: try clearable(.city),
                preferredLanguages: try container.decodeUnlessAbsent([String].self, forKey: .preferredLanguages),
                preferredGenres: try container.decodeUnlessAbsent([String].self, forKey: .preferredGenres),
                consents: try container.decodeUnlessAbsent(Consents.self, forKey: .consents),
                messageLanguage: try clearable(.messageLanguage))
        }
    }

    /// What an admin changes about a user: absent fields stay as they are.
    public struct AdminUserPatch: Decodable, Sendable {
        public var roles: [String]?
        public var theatreIds: [String]?
        public var status: User.Status?

        enum Keys: String, CodingKey {
            case roles, theatreIds, status
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Keys.self)
            roles = try container.decodeUnlessAbsent([String].self, forKey: .roles)
            theatreIds = try container.decodeUnlessAbsent([String].self, forKey: .theatreIds)
            status = try container.decodeUnlessAbsent(User.Status.self, forKey: .status)
        }
    }

    public struct PartnerKeyRequest: Decodable, Sendable {
        public var name: String
        public var scopes: [String]
        public var theatreIds: [String]?
    }

    /// A new key: its secret, shown here once and never again.
    public struct CreatedPartnerKey: ResponseCodable, Sendable {
        public var key: PartnerAPIKey
        public var secret: String
    }

    public struct PartnerKeys: ResponseCodable, Sendable {
        public var keys: [PartnerAPIKey]
    }

    public struct UserResponse: ResponseCodable, Sendable, Equatable {
        public var id: String
        public var email: String
        public var name: String
        public var phone: String?
        public var city: String?
        public var preferredLanguages: [String]
        public var preferredGenres: [String]
        public var consents: Consents
        public var messageLanguage: String
        public var roles: [String]
        public var theatreIds: [String]
        public var status: User.Status
        public var emailVerified: Bool
        public var createdAt: Date

        public init(_ user: User) {
            id = user.id
            email = user.email.value
            name = user.name
            phone = user.phone
            city = user.city
            preferredLanguages = user.preferredLanguages
            preferredGenres = user.preferredGenres
            consents = user.consents
            messageLanguage = user.messageLanguage ?? "en"
            roles = user.roles.names
            theatreIds = user.theatreIDs.sorted()
            status = user.status
            emailVerified = user.emailVerifiedAt != nil
            createdAt = user.createdAt
        }
    }

    public struct TokenResponse: ResponseEncodable, Sendable {
        public var accessToken: String
        public var tokenType = "Bearer"
        /// Seconds until the access token expires.
        public var expiresIn: Int64
        public var refreshToken: String
        public var sessionId: String
        public var user: UserResponse

        init(_ pair: AccountService.TokenPair) {
            accessToken = pair.accessToken
            expiresIn = pair.accessTokenExpiresIn.components.seconds
            refreshToken = pair.refreshToken
            sessionId = pair.sessionID
            user = UserResponse(pair.user)
        }
    }

    public struct SessionsResponse: ResponseCodable, Sendable {
        public var sessions: [Session]
    }

    public struct UserPage: ResponseCodable, Sendable {
        public var users: [UserResponse]
        public var nextCursor: String?
    }
}

extension Session: ResponseEncodable {}
extension AccountService.AccountExport: ResponseEncodable {}
