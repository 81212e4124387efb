import Foundation

/// A message about new releases or offers to everyone who consented to them and matches its
/// audience: written by an admin, fanned out into the outbox in pages (resumable from its
/// cursor after a crash), each message due at its own time so the campaign goes out at
/// ``messagesPerSecond`` and never crowds out tickets and password resets.
public struct Campaign: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case release
        case offer

        /// The outbox topic its messages carry.
        public var topic: String { "campaign.\(rawValue)" }
    }

    public enum Status: String, Sendable, Codable {
        /// Written, not yet started: it may still be changed or dropped.
        case draft
        /// Its recipients are being added to the outbox.
        case sending
        /// Every recipient has a message in the outbox; they go out at the campaign's pace.
        case queued
        /// Stopped: messages not yet sent are withdrawn.
        case cancelled
    }

    public var id: String
    public var kind: Kind
    public var subject: String
    public var body: String
    /// A page on this site the message leads to (`/movies/…`), if any.
    public var linkPath: String?
    public var audience: Audience
    public var messagesPerSecond: Int
    public var status: Status
    /// Messages added to the outbox so far.
    public var recipients: Int
    public var createdBy: String
    public var createdAt: Date
    public var startedAt: Date?
    public var queuedAt: Date?
}

/// Who a campaign is for, beyond consent: people in one of the cities, who watch one of the
/// languages, who like one of the genres (compared without regard to case). An empty list
/// does not narrow; a person who has declared nothing for a listed criterion is not included.
public struct Audience: Sendable, Equatable, Codable {
    public var cities: [String]
    public var languages: [String]
    public var genres: [String]

    public init(cities: [String] = [], languages: [String] = [], genres: [String] = []) {
        self.cities = cities
        self.languages = languages
        self.genres = genres
    }

    /// A list left out does not narrow.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        cities = try container.decodeIfPresent([String].self, forKey: .cities) ?? []
        languages = try container.decodeIfPresent([String].self, forKey: .languages) ?? []
        genres = try container.decodeIfPresent([String].self, forKey: .genres) ?? []
    }

    public func includes(_ member: AudienceMember) -> Bool {
        guard member.consentsToOffers else { return false }
        func overlaps(_ wanted: [String], _ declared: [String]) -> Bool {
            guard !wanted.isEmpty else { return true }
            let declared = Set(declared.map { $0.lowercased() })
            return wanted.contains { declared.contains($0.lowercased()) }
        }
        return overlaps(cities, member.city.map { [$0] } ?? []) && overlaps(languages, member.languages) && overlaps(genres, member.genres)
    }
}

/// A person as a campaign's audience sees them.
public struct AudienceMember: Sendable, Equatable {
    public var userID: String
    public var city: String?
    public var languages: [String]
    public var genres: [String]
    /// They agreed to offers and releases by email, and their address is confirmed.
    public var consentsToOffers: Bool

    public init(userID: String, city: String?, languages: [String], genres: [String], consentsToOffers: Bool) {
        self.userID = userID
        self.city = city
        self.languages = languages
        self.genres = genres
        self.consentsToOffers = consentsToOffers
    }
}

/// What an admin writes to make a campaign.
public struct CampaignDraft: Sendable, Equatable, Decodable {
    public var kind: Campaign.Kind
    public var subject: String
    public var body: String
    public var linkPath: String?
    public var audience: Audience?
    public var messagesPerSecond: Int?

    public init(kind: Campaign.Kind, subject: String, body: String, linkPath: String? = nil, audience: Audience? = nil,
                messagesPerSecond: Int? = nil) {
        self.kind = kind
        self.subject = subject
        self.body = body
        self.linkPath = linkPath
        self.audience = audience
        self.messagesPerSecond = messagesPerSecond
    }
}

public enum CampaignError: Error, Sendable, Equatable {
    case invalidField(field: String, message: String)
    case campaignNotFound
    /// Started, queued or cancelled already: `status` says which.
    case notDraft(status: Campaign.Status)
}

/// The limits on a campaign, checked before anything is stored.
public enum CampaignRules {
    public static let subjectLengthMax = 120
    public static let bodyLengthMax = 5_000
    public static let linkPathLengthMax = 200
    public static let audienceEntriesMax = 20
    public static let audienceEntryLengthMax = 60
    public static let messagesPerSecondRange = 1...1_000
    public static let messagesPerSecondDefault = 50

    /// The draft, trimmed and checked, or the first field at fault.
    public static func checked(_ draft: CampaignDraft) throws(CampaignError) -> CampaignDraft {
        var draft = draft
        draft.subject = draft.subject.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...subjectLengthMax).contains(draft.subject.count) else {
            throw .invalidField(field: "subject", message: "must be 1 to \(subjectLengthMax) characters")
        }
        guard !draft.subject.contains(where: \.isNewline) else { throw .invalidField(field: "subject", message: "must be one line") }
        draft.body = draft.body.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...bodyLengthMax).contains(draft.body.count) else {
            throw .invalidField(field: "body", message: "must be 1 to \(bodyLengthMax) characters")
        }
        if let path = draft.linkPath {
            guard path.utf8.count <= linkPathLengthMax, path.hasPrefix("/"), !path.hasPrefix("//"), !path.contains("\\"),
                  path.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7F })
            else { throw .invalidField(field: "linkPath", message: "must be a path on this site, such as /movies/…") }
        }
        var audience = draft.audience ?? Audience()
        for (field, list) in [("audience.cities", \Audience.cities), ("audience.languages", \.languages), ("audience.genres", \.genres)] {
            let entries = audience[keyPath: list].map { $0.trimmingCharacters(in: .whitespaces) }
            guard entries.count <= audienceEntriesMax else { throw .invalidField(field: field, message: "must list at most \(audienceEntriesMax)") }
            guard entries.allSatisfy({ (1...audienceEntryLengthMax).contains($0.count) }) else {
                throw .invalidField(field: field, message: "entries must be 1 to \(audienceEntryLengthMax) characters")
            }
            audience[keyPath: list] = entries
        }
        draft.audience = audience
        let rate = draft.messagesPerSecond ?? messagesPerSecondDefault
        guard messagesPerSecondRange.contains(rate) else {
            throw .invalidField(field: "messagesPerSecond", message: "must be \(messagesPerSecondRange.lowerBound) to \(messagesPerSecondRange.upperBound)")
        }
        draft.messagesPerSecond = rate
        return draft
    }

    /// When the message at `index` of a page is due: one every 1/rate seconds after `start`.
    public static func slotMs(start: Int64, index: Int, messagesPerSecond: Int) -> Int64 {
        start + Int64(index) * 1_000 / Int64(messagesPerSecond)
    }
}
