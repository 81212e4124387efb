import Recommender

/// A mean over people with its bootstrap 95 % interval: people resampled with replacement
/// `resamples` times, the 2.5th and 97.5th percentiles of the resampled means.
public struct Estimate: Sendable, Equatable {
    public var mean: Double
    public var low: Double
    public var high: Double

    public init(_ values: [Double], resamples: Int = 1_000, seed: UInt64 = 0xB007) {
        guard !values.isEmpty else {
            self.init(mean: 0, low: 0, high: 0)
            return
        }
        var random = SeededPicks(seed: seed)
        var means = (0..<resamples).map { _ in
            var sum = 0.0
            for _ in values.indices { sum += values[Int.random(in: 0..<values.count, using: &random)] }
            return sum / Double(values.count)
        }
        means.sort()
        self.init(
            mean: values.reduce(0, +) / Double(values.count),
            low: means[Int(Double(resamples - 1) * 0.025)], high: means[Int(Double(resamples - 1) * 0.975)])
    }

    public init(mean: Double, low: Double, high: Double) {
        self.mean = mean
        self.low = low
        self.high = high
    }
}
