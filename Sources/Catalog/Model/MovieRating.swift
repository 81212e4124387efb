/// A movie's average rating from its published reviews.
public struct MovieRating: Codable, Sendable, Equatable {
    /// 1 to 5, rounded to one decimal.
    public var average: Double
    public var count: Int

    public init(average: Double, count: Int) {
        self.average = average
        self.count = count
    }
}

/// Where the catalog's movie pages get ratings from (the reviews service, which sits above
/// the catalog and so is handed in).
public protocol MovieRatings: Sendable {
    /// Nil when the movie has no published review.
    func rating(of movieID: String) async throws -> MovieRating?
}
