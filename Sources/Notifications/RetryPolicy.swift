/// When a failed message is tried again: exponential backoff from ``base`` up to ``cap``, with
/// "equal jitter" (half the delay fixed, half random) so that messages failing together (a mail
/// server's outage) do not all come back at once; dead-lettered after ``attemptsMax`` attempts.
public struct RetryPolicy: Sendable, Equatable {
    public var base: Duration = .seconds(5)
    public var cap: Duration = .seconds(3_600)
    public var attemptsMax = 8

    public init() {}

    /// The delay before attempt `attempt + 1`, after `attempt` failed ones (1-based), or nil when
    /// no attempt is left. `random` is a number in 0..<1.
    public func delay(afterFailedAttempts attempt: Int, random: Double) -> Duration? {
        guard attempt < attemptsMax else { return nil }
        var delay = base
        for _ in 1..<max(1, attempt) where delay < cap { delay *= 2 }
        delay = min(delay, cap)
        return delay / 2 + (delay / 2) * min(max(random, 0), 1)
    }
}
