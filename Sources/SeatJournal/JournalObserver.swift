/// Told, on the journal writer's thread, what the writer did: for metrics. Calls must be quick,
/// since records wait behind them.
public protocol JournalObserver: Sendable {
    /// A batch of records reached the segment file: `bytes` written for `records` records.
    func wrote(records: Int, bytes: Int)
    /// `fdatasync` of the segment returned after `duration`.
    func synced(in duration: Duration)
    /// A new segment file was started.
    func startedSegment()
}
