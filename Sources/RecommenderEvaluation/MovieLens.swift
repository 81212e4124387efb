import Foundation
import Recommender

/// MovieLens ml-100k (Harper and Konstan, "The MovieLens Datasets: History and Context", ACM TiiS
/// 2015) in RecBole's atomic files: `ml-100k.inter` (user, item, rating, timestamp) and
/// `ml-100k.item` (item, title, year, genres), tab-separated with a typed header. Ratings become
/// signals as the box office weighs them (`SignalWeights`): three to five stars are interest,
/// one and two are "seen, not wanted"; four stars or more in the held-out period count as relevant.
public enum MovieLens {
    public enum LoadError: Error, CustomStringConvertible {
        case unreadable(String)
        case malformed(file: String, line: Int)

        public var description: String {
            switch self {
            case .unreadable(let path): "cannot read \(path)"
            case .malformed(let file, let line): "\(file): line \(line) is not what RecBole's atomic format has"
            }
        }
    }

    public static func load(directory: String) throws -> EvaluationData {
        let weights = SignalWeights()
        let itemLines = try lines(of: directory + "/ml-100k.item")
        var itemIndex: [String: Int32] = [:]
        var descriptions: [ItemDescription] = []
        for (number, line) in itemLines.enumerated().dropFirst() where !line.isEmpty {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count >= 4 else { throw LoadError.malformed(file: "ml-100k.item", line: number + 1) }
            itemIndex[String(fields[0])] = Int32(descriptions.count)
            let decade = Int(fields[2]).map { "\($0 / 10 * 10)s" }
            descriptions.append(ItemDescription(
                genres: fields[3].split(separator: " ").map(String.init), text: String(fields[1]),
                tags: decade.map { [$0] } ?? []))
        }
        var userIndex: [String: Int32] = [:]
        var interactions: [Interaction] = []
        for (number, line) in try lines(of: directory + "/ml-100k.inter").enumerated().dropFirst() where !line.isEmpty {
            let fields = line.split(separator: "\t")
            guard fields.count == 4, let item = itemIndex[String(fields[1])], let rating = Int(fields[2]),
                let time = Int64(fields[3])
            else { throw LoadError.malformed(file: "ml-100k.inter", line: number + 1) }
            let user = userIndex[String(fields[0])] ?? {
                let next = Int32(userIndex.count)
                userIndex[String(fields[0])] = next
                return next
            }()
            interactions.append(Interaction(user: user, item: item, weight: weights.weight(of: .rating, rating: rating) ?? 0, time: time))
        }
        return EvaluationData(name: "MovieLens ml-100k", interactions: interactions, descriptions: descriptions,
                              userCount: userIndex.count, relevantWeightMin: weights.weight(of: .rating, rating: 4)!)
    }

    static func lines(of path: String) throws -> [Substring] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else { throw LoadError.unreadable(path) }
        return text.split(separator: "\n", omittingEmptySubsequences: false)
    }
}
