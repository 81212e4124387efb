import BoxOfficeStorage
import Foundation

extension AccountService {
    /// The fields a person may change about themselves; `nil` leaves a field as it is.
    public struct ProfileChange: Sendable {
        public var name: String?
        public var phone: String??
        public var city: String??
        public var preferredLanguages: [String]?
        public var preferredGenres: [String]?
        public var consents: Consents?
        public var messageLanguage: String??

        public init(name: String? = nil, phone: String?? = nil, city: String?? = nil, preferredLanguages: [String]? = nil,
                    preferredGenres: [String]? = nil, consents: Consents? = nil, messageLanguage: String?? = nil) {
            self.name = name
            self.phone = phone
            self.city = city
            self.preferredLanguages = preferredLanguages
            self.preferredGenres = preferredGenres
            self.consents = consents
            self.messageLanguage = messageLanguage
        }
    }

    public func updateProfile(of userID: String, _ change: ProfileChange) async throws -> User {
        try await update(userID) { user in
            if let name = change.name { user.name = try ProfileRules.name(name) }
            if let phone = change.phone { user.phone = try ProfileRules.phone(phone) }
            if let city = change.city { user.city = try ProfileRules.city(city) }
            if let languages = try ProfileRules.preferences(change.preferredLanguages, field: "preferredLanguages") {
                user.preferredLanguages = languages
            }
            if let genres = try ProfileRules.preferences(change.preferredGenres, field: "preferredGenres") {
                user.preferredGenres = genres
            }
            if let consents = change.consents { user.consents = consents }
            if let language = change.messageLanguage { user.messageLanguage = try ProfileRules.messageLanguage(language) }
        }
    }

    /// Changes some of a person's consents and leaves the others as they are at that moment
    /// (an unsubscribe link turns one kind of message off).
    public func changeConsents(of userID: String, _ change: @escaping @Sendable (inout Consents) -> Void) async throws -> User {
        try await update(userID) { change(&$0.consents) }
    }

    private func update(_ userID: String, _ change: @escaping @Sendable (inout User) throws -> Void) async throws -> User {
        let now = self.now
        let updated = try await database.transaction { session in
            guard var user = try await UserRecords.find(id: userID, on: session)?.user(), user.status != .erased else {
                throw AccountError.userNotFound
            }
            try change(&user)
            user.updatedAt = now
            try await UserRecords.update(user, on: session)
            return user
        }
        profiles.remember(updated, at: now.millisecondsSince1970)
        return updated
    }
}
