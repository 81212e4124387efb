/// When the journal writer asks the kernel to start writing an open segment's pages to disk,
/// under the durabilities that do not sync every batch (`batch`, `none`).
///
/// Left alone, the kernel writes a segment back late and in bulk, and the rotation's
/// `fdatasync` of a full 64 MiB segment kept the writer thread in the kernel for tens of
/// milliseconds at a time. On a machine with no idle core, seatd's event loop waited that long
/// for one (`Benchmarks/tail`). Started every ``chunkBytes``, writeback comes in pieces too small
/// to hold a core for long, and the rotation's sync finds little left to write. RocksDB's
/// `bytes_per_sync` and PostgreSQL's `wal_writer_flush_after` do the same.
struct WritebackSchedule {
    static let chunkBytes = 1 << 20

    /// The segment's bytes before this offset were handed to the kernel's writeback.
    private(set) var startedThrough: Int

    /// A schedule for a segment that now holds `segmentBytes` (its header, or what an earlier
    /// run wrote, which the next sync covers).
    init(segmentBytes: Int) {
        startedThrough = segmentBytes
    }

    /// The segment now holds `segmentBytes`: the range whose writeback should start, once a
    /// chunk's worth has gathered since the last.
    mutating func wrote(segmentBytes: Int) -> Range<Int>? {
        guard segmentBytes - startedThrough >= Self.chunkBytes else { return nil }
        defer { startedThrough = segmentBytes }
        return startedThrough..<segmentBytes
    }
}
