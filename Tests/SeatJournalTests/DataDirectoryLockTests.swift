import Foundation
import SeatJournal
import SeatTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// One owner per data directory, within a process (each open is its own `flock`); the
/// two-process case, with SIGKILL, is in the integration tests.
@Suite(.timeLimit(.minutes(1))) struct DataDirectoryLockTests {
    @Test func aSecondOpenIsRefusedNamingTheDirectoryAndTheHolder() throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        let owner = try DataDirectory(temporary.path)
        #expect(throws: JournalError.locked(path: temporary.path, holderPID: getpid())) {
            _ = try DataDirectory(temporary.path)
        }
        let message = "\(JournalError.locked(path: temporary.path, holderPID: 42))"
        #expect(message.contains(temporary.path) && message.contains("PID 42"), "\(message)")
        withExtendedLifetime(owner) {}
    }

    @Test func theLockIsReleasedWithItsLastCopy() throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        try Self.openAndDrop(temporary.path)
        let next = try DataDirectory(temporary.path)
        #expect(next.lock.path == temporary.path + "/LOCK")
        let recorded = try String(contentsOfFile: next.lock.path, encoding: .utf8)
        #expect(recorded == "\(getpid())\n")
    }

    /// Opens the directory, copies the value, and lets both go when it returns.
    static func openAndDrop(_ path: String) throws {
        let owner = try DataDirectory(path)
        let copy = owner
        #expect(copy.journal == path + "/journal")
    }
}
