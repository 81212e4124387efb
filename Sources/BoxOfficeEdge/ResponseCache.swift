import BoxOfficeStorage
import HTTPTypes
import NIOCore
import Synchronization

/// Answers to public GETs, kept while the data they show is unchanged: each is stored under the
/// data's generation (the catalog's version), and a lookup under another generation, or after
/// `maxAge`, misses. Answers that depend on the time (listings "from now on") are kept no longer
/// than clients are told they may keep them.
public final class ResponseCache: Sendable {
    /// Entries kept; past it the stale ones go, or all if too few are (search queries are unbounded in variety).
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

    private let entries = Mutex(BoundedDictionary<String, Entry>(entriesMax: ResponseCache.entriesMax))
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
            guard isFresh(entry, generation: generation, now: now) else {
                entries.removeValue(forKey: key)
                return nil
            }
            return entry
        }
    }

    private func isFresh(_ entry: Entry, generation: Int64, now: Int64) -> Bool {
        entry.generation == generation && now - entry.storedAtNanoseconds < maxAgeNanoseconds
    }

    /// Stores an answer computed from the data as of `generation` (read before computing it, so
    /// an answer raced by a change is stored as already stale).
    public func store(key: String, generation: Int64, contentType: String?, body: ByteBuffer, tag: String) {
        guard key.utf8.count <= Self.keyBytesMax else { return }
        let now = now()
        let entry = Entry(contentType: contentType, body: body, tag: tag, generation: generation, storedAtNanoseconds: now)
        // Staleness is judged against the answer's own generation: no second read of the data's.
        entries.withLock { entries in
            entries.set(entry, for: key, droppingWhenFull: { !self.isFresh($0, generation: generation, now: now) })
        }
    }

    public var count: Int { entries.withLock { $0.count } }
}
