/// The generic cell rate algorithm: a token bucket kept as one number per key, the
/// "theoretical arrival time" (TAT) at which the bucket would be full again.
///
/// A bucket holds `burst` requests and refills one every `interval`. The state is the TAT
/// alone, so a limiter for a million clients is a million integers, and a key whose TAT has
/// passed can be forgotten (it is indistinguishable from a new one). Times are nanoseconds
/// on a monotonic clock.
public struct GCRA: Sendable, Equatable {
    public let intervalNanoseconds: Int64
    public let burst: Int

    /// `rate` requests per `period`, up to `burst` at once.
    public init(rate: Int, per period: Duration, burst: Int) {
        precondition(rate > 0 && burst > 0)
        let periodNanoseconds = period.components.seconds * 1_000_000_000 + period.components.attoseconds / 1_000_000_000
        intervalNanoseconds = max(1, periodNanoseconds / Int64(rate))
        self.burst = burst
    }

    public struct Decision: Sendable, Equatable {
        public var isAllowed: Bool
        /// Requests that could be made right now after this one.
        public var remaining: Int
        /// When refused: how long until one request will be allowed.
        public var retryAfterNanoseconds: Int64
        /// How long until the bucket is full again.
        public var resetNanoseconds: Int64
    }

    /// Decides one request at `now` given the key's stored TAT (nil for a new key); returns
    /// the decision and the TAT to store (unchanged when refused).
    public func decide(storedTAT: Int64?, now: Int64) -> (Decision, tat: Int64?) {
        let capacity = intervalNanoseconds * Int64(burst)
        let start = max(storedTAT ?? now, now)
        let next = start + intervalNanoseconds
        let allowedAt = next - capacity
        if now < allowedAt {
            let waiting = start - now
            return (Decision(isAllowed: false, remaining: 0, retryAfterNanoseconds: allowedAt - now,
                             resetNanoseconds: waiting), storedTAT)
        }
        let pending = next - now
        let remaining = Int((capacity - pending) / intervalNanoseconds)
        return (Decision(isAllowed: true, remaining: max(0, remaining), retryAfterNanoseconds: 0, resetNanoseconds: pending), next)
    }
}
