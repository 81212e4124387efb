#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A seam in the journal's and snapshots' file operations through which tests make them fail,
/// to check what the server does when its disk does: `write`, `fsync` (and `fdatasync`) and
/// `rename` report the errno a test chose, until it heals them. Production passes none, and then
/// nothing is consulted.
///
/// Only what a full or failing disk really does is offered: an operation fails with an errno; it
/// never half-happens here (a torn write is tested by cutting files instead).
public final class StorageFaults: Sendable {
    public enum Operation: Hashable, Sendable {
        case write, fsync, rename
    }

    private let failing = Mutex<[Operation: Int32]>([:])

    public init() {}

    /// From now on `operation` fails with `errno` (EIO unless said), until ``heal(_:)``.
    public func fail(_ operation: Operation, errno: Int32 = EIO) {
        failing.withLock { $0[operation] = errno }
    }

    public func heal(_ operation: Operation) {
        failing.withLock { _ = $0.removeValue(forKey: operation) }
    }

    /// Throws the chosen failure when `operation` is set to fail, as the system call would.
    func check(_ operation: Operation, _ name: String, path: String) throws(JournalError) {
        if let failure = failing.withLock({ $0[operation] }) {
            throw .io(operation: name, path: path, errno: failure)
        }
    }
}
