import BoxOfficeEdge
import Foundation

/// A person's account as the service works with it (the password hash never leaves the service).
public struct User: Sendable, Equatable {
    public enum Status: String, Sendable, Codable {
        case active
        /// Disabled by an admin: cannot log in, existing sessions stop at their next refresh.
        case disabled
        /// Erased at the person's request: personal data gone, the id kept for anonymized bookings.
        case erased
    }

    public var id: String
    public var email: EmailAddress
    public var name: String
    public var phone: String?
    public var city: String?
    public var preferredLanguages: [String]
    public var preferredGenres: [String]
    public var consents: Consents
    public var roles: Identity.Roles
    public var theatreIDs: Set<String>
    public var status: Status
    public var emailVerifiedAt: Date?
    public var createdAt: Date
    public var updatedAt: Date
    /// The language their mail and texts are written in (one of ``ProfileRules/messageLanguages``); nil is English.
    public var messageLanguage: String? = nil
}

/// What a person agreed to be contacted about. Offers and texts are off until they say so;
/// reminders of their own bookings are on until they turn them off (in their settings or by a
/// reminder's unsubscribe link). Tickets, refunds and account security are always sent.
public struct Consents: Sendable, Equatable, Codable {
    public var marketingEmail: Bool
    public var sms: Bool
    public var push: Bool
    public var reminderEmail: Bool

    public static let none = Consents(marketingEmail: false, sms: false, push: false)

    public init(marketingEmail: Bool, sms: Bool, push: Bool, reminderEmail: Bool = true) {
        self.marketingEmail = marketingEmail
        self.sms = sms
        self.push = push
        self.reminderEmail = reminderEmail
    }

    /// Accounts stored before reminders existed, and clients that do not know of them, leave them on.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        marketingEmail = try container.decode(Bool.self, forKey: .marketingEmail)
        sms = try container.decode(Bool.self, forKey: .sms)
        push = try container.decode(Bool.self, forKey: .push)
        // Absent means on; present must be a boolean (null is refused like any other wrong type).
        reminderEmail = container.contains(.reminderEmail) ? try container.decode(Bool.self, forKey: .reminderEmail) : true
    }
}

/// One signed-in device or browser (a refresh-token family).
public struct Session: Sendable, Equatable, Codable {
    public var id: String
    public var createdAtMs: Int64
    public var lastUsedAtMs: Int64
    public var expiresAtMs: Int64
    public var userAgent: String
    public var clientAddress: String
}

/// A partner's API key as listed (the secret is shown once, at creation, and never again).
public struct PartnerAPIKey: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var scopes: [PartnerScope]
    public var theatreIds: [String]
    public var createdBy: String
    public var createdAtMs: Int64
    public var lastUsedAtMs: Int64?
    public var revokedAtMs: Int64?
}
