#if canImport(Glibc)
import Glibc
#endif

/// Why the journal cannot go on, or cannot be read.
public enum JournalError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A system call failed: what was attempted, on which file, and errno.
    case io(operation: String, path: String, errno: Int32)
    /// A record before the tail is damaged: recovery stops rather than skip acknowledged changes.
    case corrupt(path: String, offset: Int, reason: String)
    /// A file in the journal directory is not a segment of this journal.
    case notASegment(path: String, reason: String)
    /// Segments do not continue each other: one is missing or out of place.
    case gap(path: String, expectedLSN: UInt64, firstLSN: UInt64)
    /// More bytes wait to be written than ``JournalWriter/pendingBytesMax``: the disk is not keeping up.
    case backlogFull(pendingBytes: Int)
    case recordTooLarge(bytes: Int)
    /// An earlier write or sync failed; the journal takes nothing more.
    case failed(String)
    case closed
    /// The journal keeps more bytes for a follower that is behind (PostgreSQL down or slow)
    /// than its limit: changes are refused until the follower catches up.
    case retentionFull(keptBytes: Int, limit: Int)
    /// An encrypted file cannot be read: its key is missing or wrong.
    case encryption(EncryptionError)
    /// Another process owns the data directory (``DataDirectoryLock``).
    case locked(path: String, holderPID: Int32?)

    public var description: String {
        switch self {
        case .io(let operation, let path, let errno):
            "\(operation) \(path) failed: \(String(cString: strerror(errno))) (errno \(errno))"
        case .corrupt(let path, let offset, let reason): "\(path) is corrupt at byte \(offset): \(reason)"
        case .notASegment(let path, let reason): "\(path) is not a journal segment: \(reason)"
        case .gap(let path, let expected, let first):
            "\(path) starts at LSN \(first), but the journal continues at \(expected): a segment is missing"
        case .backlogFull(let bytes): "\(bytes) bytes wait for the disk; refusing more"
        case .recordTooLarge(let bytes): "a record of \(bytes) bytes exceeds \(JournalRecord.payloadBytesMax)"
        case .failed(let reason): "the journal stopped after an I/O failure: \(reason)"
        case .closed: "the journal is closed"
        case .retentionFull(let kept, let limit):
            "the journal keeps \(kept) bytes that PostgreSQL has not taken yet, over the limit of \(limit): "
                + "changes are refused until PostgreSQL catches up (reads go on)"
        case .encryption(let error): error.description
        case .locked(let path, let holder):
            "the data directory \(path) is in use by another process"
                + (holder.map { " (PID \($0))" } ?? "")
                + ": one process at a time may own it; stop that one or give another --data-dir"
        }
    }
}
