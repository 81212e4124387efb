import Foundation

/// A person's rating and review of a movie they saw here: one per person and movie, editable,
/// moderated by staff.
public struct Review: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable, CaseIterable {
        /// Shown, and counted in the movie's rating.
        case published
        /// Taken down by staff: neither shown nor counted.
        case hidden
    }

    public var id: String
    public var movieId: String
    /// The author's first name as it was when they wrote (the only part of them shown).
    public var authorName: String
    /// 1 to 5 stars.
    public var rating: Int
    public var title: String?
    public var body: String
    public var status: Status
    /// Why staff hid it (shown to its author).
    public var moderationReason: String?
    public var createdAt: Date
    public var updatedAt: Date
}

/// A review as its author sends it.
public struct ReviewInput: Decodable, Sendable {
    public static let titleCharactersMax = 100
    public static let bodyCharactersMax = 4_000

    public var rating: Int
    public var title: String?
    public var body: String

    /// The input with its text trimmed, or the first field that is not acceptable.
    func validated() throws(ReviewError) -> ReviewInput {
        guard (1...5).contains(rating) else { throw .invalidField("/rating", "must be 1 to 5") }
        var cleaned = self
        cleaned.title = title?.trimmingCharacters(in: .whitespacesAndNewlines)
        if cleaned.title?.isEmpty == true { cleaned.title = nil }
        if let title = cleaned.title, title.count > Self.titleCharactersMax {
            throw .invalidField("/title", "must be at most \(Self.titleCharactersMax) characters")
        }
        cleaned.body = body.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...Self.bodyCharactersMax).contains(cleaned.body.count) else {
            throw .invalidField("/body", "must be 1 to \(Self.bodyCharactersMax) characters")
        }
        return cleaned
    }
}

public enum ReviewError: Error, Sendable, Equatable {
    case invalidField(String, String)
    case movieNotFound
    case reviewNotFound
    /// Only people with a booking of the movie whose showtime has begun may review it.
    case notSeen
}
