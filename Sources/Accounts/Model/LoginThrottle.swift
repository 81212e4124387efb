/// How long an account stays locked after consecutive failed logins: free attempts first, then
/// a lock that doubles with each further failure up to a ceiling. Slows a guesser to a few
/// dozen tries a day per account while a person who mistypes a few times is never locked out.
public struct LoginThrottle: Sendable, Equatable {
    public var failuresFree = 5
    public var firstLockMilliseconds: Int64 = 30_000
    public var lockMillisecondsMax: Int64 = 15 * 60_000

    public init() {}

    /// The lock to apply after `consecutiveFailures` failures (0 when none is due).
    public func lockMilliseconds(afterConsecutiveFailures consecutiveFailures: Int) -> Int64 {
        guard consecutiveFailures >= failuresFree else { return 0 }
        let doublings = min(consecutiveFailures - failuresFree, 20)
        return min(firstLockMilliseconds << Int64(doublings), lockMillisecondsMax)
    }
}
