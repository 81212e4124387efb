import SeatSamples

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// The seedable generator of randomized tests, so a failing run can be replayed.
public typealias SeededGenerator = SplitMix64

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
