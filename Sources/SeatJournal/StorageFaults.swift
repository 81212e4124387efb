#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A seam in the journal's and snapshots' file operations through which tests make them fail
/// or stall, to check what the server does when its disk does: `write`, `fsync` (and
/// `fdatasync`) and `rename` report the errno a test chose, or first wait as long as it chose
/// (a slow disk), until it heals them. Production passes none, and then nothing is consulted.
///
/// Only what a full or failing disk really does is offered: an operation fails with an errno; it
/// never half-happens here (a torn write is tested by cutting files instead).
public final class StorageFaults: Sendable {
    public enum Operation: Hashable, Sendable {
        case write, fsync, rename
    }

    private let failing = Mutex<[Operation: Int32]>([:])
    private let stalling = Mutex<[Operation: Duration]>([:])

    public init() {}

    /// From now on `operation` fails with `errno` (EIO unless said), until ``heal(_:)``.
    public func fail(_ operation: Operation, errno: Int32 = EIO) {
        failing.withLock { $0[operation] = errno }
    }

    /// From now on `operation` first waits `duration`, or until ``heal(_:)``, on the calling
    /// thread (the journal's writer or the snapshot's).
    public func stall(_ operation: Operation, for duration: Duration) {
        stalling.withLock { $0[operation] = duration }
    }

    public func heal(_ operation: Operation) {
        failing.withLock { _ = $0.removeValue(forKey: operation) }
        stalling.withLock { _ = $0.removeValue(forKey: operation) }
    }

    /// Waits and throws as chosen for `operation`, as a slow or failing system call would.
    func check(_ operation: Operation, _ name: String, path: String) throws(JournalError) {
        if let stall = stalling.withLock({ $0[operation] }) {
            // In steps, so that healing ends the stall at once.
            let until = ContinuousClock.now + stall
            while ContinuousClock.now < until, stalling.withLock({ $0[operation] }) != nil {
                var step = timespec(tv_sec: 0, tv_nsec: 5_000_000)
                nanosleep(&step, nil)
            }
        }
        if let failure = failing.withLock({ $0[operation] }) {
            throw .io(operation: name, path: path, errno: failure)
        }
    }
}
