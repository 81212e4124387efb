import HTTPTypes
import NIOCore
import Synchronization

/// Answers to public GETs, kept while the data they show is unchanged: each is stored under the
/// data's generation (the catalog's version), and a lookup under another generation, or after
/// `maxAge`, misses. Answers that depend on the time (listings "from now on") are kept no longer
/// than clients are told they may keep them.
public final class ResponseCache: Sendable {
    /// Entries kept; past it the cache starts over (search queries are unbounded in variety).
    public static let entriesMax = 10_000
    /// Longer request targets are not cached.
    public static let keyBytesMax = 1_024

    public struct Entry: Sendable {
        public let contentType: String?
        public let body: ByteBuffer
        public let tag: String
        let generation: Int64
        let storedAtNanoseconds: Int64
    }

    private let entries = Mutex<[String: Entry]>([:])
    private let generation: @Sendable () -> Int64
    private let maxAgeNanoseconds: Int64
    private let now: @Sendable () -> Int64

    /// - Parameters:
    ///   - generation: the data's current version; entries of any other are stale.
    ///   - now: a monotonic clock in nanoseconds.
    public init(maxAge: Duration, now: @escaping @Sendable () -> Int64, generation: @escaping @Sendable () -> Int64) {
        self.generation = generation
        maxAgeNanoseconds = maxAge.components.seconds * 1_000_000_000 + maxAge.components.attoseconds / 1_000_000_000
        self.now = now
    }

    public var currentGeneration: Int64 { generation() }

    public func entry(for key: String) -> Entry? {
        let generation = generation()
        let now = now()
        return entries.withLock { entries in
            guard let entry = entries[key] else { return nil }
            guard entry.generation == generation, now - entry.storedAtNanoseconds < maxAgeNanoseconds else {
                entries[key] = nil
                return nil
            }
            return entry
        }
    }

    /// Stores an answer computed from the data as of `generation` (read before computing it, so
    /// an answer raced by a change is stored as already stale).
    public func store(key: String, generation: Int64, contentType: String?, body: ByteBuffer, tag: String) {
        guard key.utf8.count <= Self.keyBytesMax else { return }
        let entry = Entry(contentType: contentType, body: body, tag: tag, generation: generation, storedAtNanoseconds: now())
        entries.withLock { entries in
            if entries.count >= Self.entriesMax { entries.removeAll(keepingCapacity: true) }
            entries[key] = entry
        }
    }

    public var count: Int { entries.withLock { $0.count } }
}
