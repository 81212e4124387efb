/// The random choices the recommender makes (which people validate the blend, which movies fill
/// the exploration places), from a seed so a rebuild and a page reload choose the same: Knuth's
/// MMIX linear congruential step, its high bits taken.
public struct SeededPicks: RandomNumberGenerator {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let high = state >> 32
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return high << 32 | state >> 32
    }
}
