import Synchronization

/// GCRA buckets for many keys, shared by every request of one instance.
///
/// The keys are spread over shards, each a dictionary behind its own mutex, so requests of
/// different clients rarely wait on one another. Each shard holds at most `keysMax / shards`
/// keys: when one is full it forgets every key whose bucket has refilled (no information is
/// lost: such a key is the same as a new one) and, if still full, one arbitrary key, which
/// then starts with a full bucket. Memory is therefore bounded whatever clients send.
public final class RateLimiter: Sendable {
    public static let shardCount = 16

    public let rule: GCRA
    private let shards: [Shard]
    private let keysPerShardMax: Int

    public init(rule: GCRA, keysMax: Int = 100_000) {
        precondition(keysMax >= Self.shardCount)
        self.rule = rule
        keysPerShardMax = keysMax / Self.shardCount
        shards = (0..<Self.shardCount).map { _ in Shard() }
    }

    public func decide(key: String, now: Int64) -> GCRA.Decision {
        var hasher = Hasher()
        hasher.combine(key)
        let shard = shards[Int(UInt(bitPattern: hasher.finalize()) % UInt(Self.shardCount))]
        return shard.buckets.withLock { buckets in
            let (decision, tat) = rule.decide(storedTAT: buckets[key], now: now)
            if let tat, buckets[key] != tat {
                if buckets[key] == nil, buckets.count >= keysPerShardMax {
                    buckets = buckets.filter { $0.value > now }
                    if buckets.count >= keysPerShardMax, let any = buckets.keys.first { buckets[any] = nil }
                }
                buckets[key] = tat
            }
            return decision
        }
    }

    /// Keys currently remembered (for tests and metrics).
    public var keyCount: Int { shards.reduce(0) { $0 + $1.buckets.withLock { $0.count } } }

    /// One shard's buckets: key → theoretical arrival time.
    private final class Shard: Sendable {
        let buckets = Mutex<[String: Int64]>([:])
    }
}
