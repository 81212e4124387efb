/// A reader of the journal besides recovery, that the server must wait for before deleting
/// segments and whose progress it reports: the PostgreSQL persister.
public protocol JournalFollower: AnyObject, Sendable {
    /// Every record through this LSN is done with; a segment holding only such records may go.
    var followedThrough: UInt64 { get }
    /// Named figures for the server's statistics: progress and lag.
    var statistics: [(name: String, value: UInt64)] { get }
}
