#if canImport(Glibc)
import Glibc
#endif

/// A reader of the journal besides recovery, that the server must wait for before deleting
/// segments and whose progress it reports: the PostgreSQL persister.
public protocol JournalFollower: AnyObject, Sendable {
    /// Every record through this LSN is done with; a segment holding only such records may go.
    var followedThrough: UInt64 { get }
    /// Named figures for the server's statistics: progress and lag.
    var statistics: [(name: String, value: UInt64)] { get }
}

/// What a follower makes the journal keep on disk.
public enum JournalRetention {
    /// Bytes of the segments in `directory` holding a record after `followedThrough`: segments
    /// go whole, so this is what the follower alone keeps from being deleted (the newest
    /// segment counts too). O(segments).
    public static func bytesKept(in directory: String, after followedThrough: UInt64) throws(JournalError) -> Int {
        let segments = try JournalSegment.list(in: directory)
        var kept = 0
        for (index, segment) in segments.enumerated() {
            guard !JournalSegment.endsBy(segments, index, through: followedThrough) else { continue }
            var status = stat()
            guard stat(segment.path, &status) == 0 else {
                if errno == ENOENT { continue }  // pruned meanwhile
                throw .io(operation: "stat", path: segment.path, errno: errno)
            }
            kept += Int(status.st_size)
        }
        return kept
    }
}
