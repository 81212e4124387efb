#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// SplitMix64: a tiny, seedable generator, so a failing randomized run can be replayed.
public struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}

/// Seeds for randomized tests: a fixed set, plus `SEAT_TEST_SEED` to replay one, plus one fresh
/// seed per run (printed by every failing expectation).
public func randomizedSeeds(fixed: Int) -> [UInt64] {
    if let replay = Environment.value("SEAT_TEST_SEED").flatMap(UInt64.init) { return [replay] }
    return (1...UInt64(fixed)).map { $0 &* 0x2545_F491_4F6C_DD1D } + [UInt64.random(in: 1...UInt64.max)]
}

public enum Environment {
    public static func value(_ name: String) -> String? {
        guard let pointer = getenv(name) else { return nil }
        return String(cString: pointer)
    }
}
