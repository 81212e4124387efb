/// What content similarity knows of a movie.
public struct ItemDescription: Sendable, Equatable {
    public var genres: [String]
    public var languages: [String]
    /// Cast and crew, by name.
    public var people: [String]
    public var certification: String?
    /// The synopsis, or any prose about the movie; weighed by TF-IDF.
    public var text: String
    /// Anything else two movies may share (a decade, a franchise).
    public var tags: [String]

    public init(genres: [String] = [], languages: [String] = [], people: [String] = [], certification: String? = nil,
                text: String = "", tags: [String] = []) {
        self.genres = genres
        self.languages = languages
        self.people = people
        self.certification = certification
        self.text = text
        self.tags = tags
    }
}
