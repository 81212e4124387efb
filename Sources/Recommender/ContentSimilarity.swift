import Foundation
import Search

/// Content-based similarity: each movie is a TF-IDF vector over its genres, languages, people,
/// certification, tags and the words of its synopsis, each kind of feature scaled by its weight,
/// normalised to unit length. A person's taste is the weighted sum of the vectors of the movies
/// they wanted (plus the genres and languages they declared), so scoring every movie is one
/// sparse dot product each, done through an inverted index in O(Σ postings of the taste's features).
public struct ContentSimilarity: Sendable {
    public struct Weights: Sendable, Equatable {
        public var genre: Float = 1.0
        public var language: Float = 0.8
        public var person: Float = 0.5
        public var certification: Float = 0.2
        public var tag: Float = 0.4
        public var word: Float = 0.3

        public init() {}
    }

    /// Synopsis words shorter than this carry no meaning worth matching ("a", "of", "in").
    static let wordCharactersMin = 3
    /// Words in this many or more movies' synopses are too common to say anything.
    static let commonWordShare = 0.3

    enum FeatureKind: UInt8 { case genre, language, person, certification, tag, word }

    struct Feature: Hashable {
        var kind: FeatureKind
        var value: String
    }

    public let weights: Weights
    let featureIndex: [Feature: Int32]
    let featureKind: [FeatureKind]
    let featureValue: [String]
    /// Each movie's unit vector: features in increasing order.
    let vectorStart: [Int]
    let vectorFeature: [Int32]
    let vectorValue: [Float]
    /// Each feature's movies.
    let postingStart: [Int]
    let postingItem: [Int32]
    let postingValue: [Float]

    public var itemCount: Int { vectorStart.count - 1 }

    public init(items: [ItemDescription], weights: Weights = .init()) {
        self.weights = weights
        var index: [Feature: Int32] = [:]
        var kinds: [FeatureKind] = [], values: [String] = []
        var documentFrequency: [Int] = []
        var itemFeatures: [[(Int32, Float)]] = []  // (feature, term frequency)
        for item in items {
            var counts: [Int32: Float] = [:]
            func add(_ kind: FeatureKind, _ value: String) {
                let folded = TextFolding.fold(value)
                guard !folded.isEmpty else { return }
                let feature = Feature(kind: kind, value: folded)
                let id: Int32
                if let known = index[feature] {
                    id = known
                } else {
                    id = Int32(kinds.count)
                    index[feature] = id
                    kinds.append(kind)
                    values.append(value)
                    documentFrequency.append(0)
                }
                counts[id, default: 0] += 1
            }
            item.genres.forEach { add(.genre, $0) }
            item.languages.forEach { add(.language, $0) }
            item.people.forEach { add(.person, $0) }
            item.certification.map { add(.certification, $0) }
            item.tags.forEach { add(.tag, $0) }
            for word in TextFolding.words(item.text) where word.count >= Self.wordCharactersMin { add(.word, word) }
            for feature in counts.keys { documentFrequency[Int(feature)] += 1 }
            itemFeatures.append(counts.map { ($0.key, $0.value) }.sorted { $0.0 < $1.0 })
        }

        let itemTotal = Float(max(items.count, 1))
        let commonWordCount = Int(Self.commonWordShare * Double(items.count))
        var vectorStart = [0], vectorFeature: [Int32] = [], vectorValue: [Float] = []
        for features in itemFeatures {
            var vector: [(Int32, Float)] = []
            for (feature, frequency) in features {
                let kind = kinds[Int(feature)]
                if kind == .word, items.count >= 10, documentFrequency[Int(feature)] >= commonWordCount { continue }
                let inverseFrequency = logf((itemTotal + 1) / Float(documentFrequency[Int(feature)] + 1)) + 1
                vector.append((feature, weights.of(kind) * (1 + logf(frequency)) * inverseFrequency))
            }
            let length = vector.reduce(Float(0)) { $0 + $1.1 * $1.1 }.squareRoot()
            for (feature, value) in vector where length > 0 {
                vectorFeature.append(feature)
                vectorValue.append(value / length)
            }
            vectorStart.append(vectorFeature.count)
        }

        var postingStart = [Int](repeating: 0, count: kinds.count + 1)
        for feature in vectorFeature { postingStart[Int(feature) + 1] += 1 }
        for feature in 0..<kinds.count { postingStart[feature + 1] += postingStart[feature] }
        var cursor = postingStart
        var postingItem = [Int32](repeating: 0, count: vectorFeature.count)
        var postingValue = [Float](repeating: 0, count: vectorFeature.count)
        for item in 0..<items.count {
            for entry in vectorStart[item]..<vectorStart[item + 1] {
                let feature = Int(vectorFeature[entry])
                postingItem[cursor[feature]] = Int32(item)
                postingValue[cursor[feature]] = vectorValue[entry]
                cursor[feature] += 1
            }
        }
        featureIndex = index
        featureKind = kinds
        featureValue = values
        self.vectorStart = vectorStart
        self.vectorFeature = vectorFeature
        self.vectorValue = vectorValue
        self.postingStart = postingStart
        self.postingItem = postingItem
        self.postingValue = postingValue
    }

    /// A person's taste: the sum of their movies' vectors, weighted, plus their declared genres and
    /// languages (so someone with no history still has one), normalised to unit length.
    public func taste(history: [WeightedItem], declaredGenres: [String] = [], declaredLanguages: [String] = [],
                      searchedWords: [String] = []) -> Taste {
        var sum: [Int32: Float] = [:]
        for entry in history where Int(entry.item) < itemCount {
            for slot in vectorStart[Int(entry.item)]..<vectorStart[Int(entry.item) + 1] {
                sum[vectorFeature[slot], default: 0] += entry.weight * vectorValue[slot]
            }
        }
        let declared = declaredGenres.map { Feature(kind: .genre, value: TextFolding.fold($0)) }
            + declaredLanguages.map { Feature(kind: .language, value: TextFolding.fold($0)) }
            + searchedWords.map { Feature(kind: .word, value: TextFolding.fold($0)) }
        for feature in declared {
            if let id = featureIndex[feature] { sum[id, default: 0] += weights.of(feature.kind) }
        }
        let length = sum.values.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
        guard length > 0 else { return Taste(features: []) }
        return Taste(features: sum.map { (feature: $0.key, weight: $0.value / length) }.sorted { $0.feature < $1.feature })
    }

    /// Adds each movie's cosine with `taste` to `scores`.
    public func accumulate(taste: Taste, into scores: inout [Float]) {
        for (feature, weight) in taste.features {
            for posting in postingStart[Int(feature)]..<postingStart[Int(feature) + 1] {
                scores[Int(postingItem[posting])] += weight * postingValue[posting]
            }
        }
    }

    /// The cosine of two movies' vectors, in 0...1.
    public func similarity(_ first: Int, _ second: Int) -> Float {
        var (a, b) = (vectorStart[first], vectorStart[second])
        var sum: Float = 0
        while a < vectorStart[first + 1], b < vectorStart[second + 1] {
            if vectorFeature[a] == vectorFeature[b] {
                sum += vectorValue[a] * vectorValue[b]
                a += 1
                b += 1
            } else if vectorFeature[a] < vectorFeature[b] {
                a += 1
            } else {
                b += 1
            }
        }
        return sum
    }

    /// The genre or language of `item` that contributes most to its match with `taste` (what a
    /// reason string names), or nil when they share neither.
    public func strongestSharedTrait(of item: Int, with taste: Taste) -> String? {
        var best: (String, Float)?
        for slot in vectorStart[item]..<vectorStart[item + 1] {
            let feature = vectorFeature[slot]
            guard featureKind[Int(feature)] == .genre || featureKind[Int(feature)] == .language,
                let weight = taste.weight(of: feature)
            else { continue }
            let contribution = weight * vectorValue[slot]
            if contribution > (best?.1 ?? 0) { best = (featureValue[Int(feature)], contribution) }
        }
        return best?.0
    }

    public var memoryBytes: Int {
        (vectorStart.count + postingStart.count) * MemoryLayout<Int>.stride
            + (vectorFeature.count + postingItem.count) * (MemoryLayout<Int32>.stride + MemoryLayout<Float>.stride)
            + featureValue.reduce(0) { $0 + $1.utf8.count + 48 }
    }
}

/// A person's taste in content: a unit vector over content features, in feature order.
public struct Taste: Sendable, Equatable {
    var features: [(feature: Int32, weight: Float)]

    public var isEmpty: Bool { features.isEmpty }

    func weight(of feature: Int32) -> Float? {
        var (low, high) = (0, features.count)
        while low < high {
            let middle = (low + high) / 2
            if features[middle].feature < feature { low = middle + 1 } else { high = middle }
        }
        return low < features.count && features[low].feature == feature ? features[low].weight : nil
    }

    public static func == (left: Taste, right: Taste) -> Bool {
        left.features.count == right.features.count
            && zip(left.features, right.features).allSatisfy { $0.feature == $1.feature && $0.weight == $1.weight }
    }
}

extension ContentSimilarity.Weights {
    func of(_ kind: ContentSimilarity.FeatureKind) -> Float {
        switch kind {
        case .genre: genre
        case .language: language
        case .person: person
        case .certification: certification
        case .tag: tag
        case .word: word
        }
    }
}
