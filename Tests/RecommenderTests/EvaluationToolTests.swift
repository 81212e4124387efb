import Foundation
import Recommender
import RecommenderEvaluation
import Testing

@Suite("Evaluation tools")
struct EvaluationToolTests {
    @Test func easeInvertsASymmetricPositiveDefiniteMatrix() {
        let matrix: [Double] = [4, 1, 2, 1, 3, 0.5, 2, 0.5, 5]
        var inverse = matrix
        EASERanker.invertSymmetricPositiveDefinite(&inverse, size: 3)
        for row in 0..<3 {
            for column in 0..<3 {
                let product = (0..<3).reduce(0.0) { $0 + matrix[row * 3 + $1] * inverse[$1 * 3 + column] }
                #expect(abs(product - (row == column ? 1 : 0)) < 1e-12)
            }
        }
    }

    @Test func easeRecommendsWhatCoOccurs() {
        var interactions: [Interaction] = []
        for user in Int32(0)..<20 { interactions += [0, 1].map { Interaction(user: user, item: $0, weight: 1, time: 0) } }
        for user in Int32(20)..<40 { interactions += [2, 3].map { Interaction(user: user, item: $0, weight: 1, time: 0) } }
        let ranker = EASERanker(matrix: InteractionMatrix(userCount: 40, itemCount: 4, interactions: interactions), regularisation: 1)
        #expect(ranker.rank(user: 99, history: [WeightedItem(item: 2, weight: 1)], excluded: [2], count: 1) == [3])
    }

    @Test func bootstrapIntervalsSurroundTheMeanAndNarrowWithMorePeople() {
        var random = SeededPicks(seed: 3)
        let few = (0..<50).map { _ in Double.random(in: 0..<1, using: &random) }
        let many = (0..<5_000).map { _ in Double.random(in: 0..<1, using: &random) }
        let small = Estimate(few), large = Estimate(many)
        #expect(small.low < small.mean && small.mean < small.high)
        #expect(large.high - large.low < (small.high - small.low) / 4)
        #expect(Estimate(few) == small)
        #expect(Estimate([]) == Estimate(mean: 0, low: 0, high: 0))
    }

    @Test func movieLensAtomicFilesAreRead() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ml-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try """
            item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq
            1\tToy Story\t1995\tAnimation Children's Comedy
            2\tGoldenEye\t1995\tAction Adventure Thriller

            """.write(to: directory.appendingPathComponent("ml-100k.item"), atomically: true, encoding: .utf8)
        try """
            user_id:token\titem_id:token\trating:float\ttimestamp:float
            196\t2\t5\t881250949
            186\t1\t1\t891717742
            196\t1\t3\t881250950

            """.write(to: directory.appendingPathComponent("ml-100k.inter"), atomically: true, encoding: .utf8)
        let data = try MovieLens.load(directory: directory.path)
        #expect(data.itemCount == 2 && data.userCount == 2)
        #expect(data.descriptions[0].genres == ["Animation", "Children's", "Comedy"])
        #expect(data.descriptions[0].tags == ["1990s"])
        #expect(data.interactions.map(\.weight) == [1, 0, 0.3])
        #expect(data.interactions.map(\.item) == [1, 0, 0])
        #expect(data.relevantWeightMin == 0.7)

        try "user_id:token\titem_id:token\trating:float\ttimestamp:float\n196\t9\t5\t1\n".write(
            to: directory.appendingPathComponent("ml-100k.inter"), atomically: true, encoding: .utf8)
        #expect(throws: MovieLens.LoadError.self) { try MovieLens.load(directory: directory.path) }
        #expect(throws: MovieLens.LoadError.self) { try MovieLens.load(directory: directory.path + "-missing") }
    }
}
