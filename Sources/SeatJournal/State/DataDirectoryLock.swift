#if canImport(Glibc)
import Glibc
#endif

/// Exclusive ownership of a data directory for as long as this value lives: an `flock` on the
/// file `LOCK` in it.
///
/// Two servers on one directory would both append to the journal, hand out the same ids and
/// sell the same seats, and the next recovery would cut one's acknowledged records as damage.
/// `flock` belongs to the open file, so the kernel drops it when the process ends however it
/// ends (`kill -9` included): a restart after a crash never finds a stale lock. The holder
/// writes its PID into the file so that a refused process can name it; the PID is advice for
/// the message only, the lock itself is the `flock`.
public final class DataDirectoryLock: Sendable {
    public static let fileName = "LOCK"
    /// The PID a lock file may hold: a decimal number and a newline.
    static let contentBytesMax = 32

    public let path: String
    private let descriptor: Int32

    /// Takes the lock on `directory`, or throws ``JournalError/locked(path:holderPID:)`` at once
    /// when another process (or another open of the same directory in this one) holds it.
    public init(directory: String) throws(JournalError) {
        path = directory + "/" + Self.fileName
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .io(operation: "open", path: path, errno: errno) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let failure = errno
            let holder = Self.recordedPID(descriptor)
            close(descriptor)
            guard failure == EWOULDBLOCK else { throw .io(operation: "flock", path: path, errno: failure) }
            throw .locked(path: directory, holderPID: holder)
        }
        self.descriptor = descriptor
        do {
            try Self.record(getpid(), in: descriptor, path: path)
        } catch {
            close(descriptor)
            throw error
        }
    }

    deinit {
        // Closing the only descriptor of the open file releases the flock.
        close(descriptor)
    }

    private static func record(_ pid: pid_t, in descriptor: Int32, path: String) throws(JournalError) {
        let text = Array("\(pid)\n".utf8)
        guard ftruncate(descriptor, 0) == 0 else { throw .io(operation: "ftruncate", path: path, errno: errno) }
        let written = text.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        guard written == text.count else { throw .io(operation: "write", path: path, errno: written < 0 ? errno : EIO) }
    }

    /// The PID the holder wrote, when the file holds one.
    private static func recordedPID(_ descriptor: Int32) -> Int32? {
        var bytes = [UInt8](repeating: 0, count: contentBytesMax)
        let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        let text = String(decoding: bytes[0..<count], as: UTF8.self)
        return Int32(text.prefix { $0 != "\n" })
    }
}
