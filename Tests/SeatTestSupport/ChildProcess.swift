import Foundation

/// A child process started with posix_spawn, its output in a file, and reaped with a blocking
/// waitpid on its pid alone. Foundation's `Process` is not used: its wait missed the exit of
/// `runuser` around `pg_ctl start` and hung.
public final class ChildProcess: Sendable {
    public let pid: pid_t

    public struct SpawnError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Starts `command` (an absolute path and its arguments) with standard output and error
    /// going to `output` and standard input from /dev/null; in `directory` if given, which
    /// `env` changes to first, since another user may not be able to enter the caller's.
    public init(_ command: [String], output: String, directory: String? = nil) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        // The spawning thread may block signals (test runners' threads do), and a child
        // inherits the mask: without this, a server started here ignores SIGTERM.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var everySignal = sigset_t()
        sigfillset(&everySignal)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &everySignal)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let command = directory.map { ["/usr/bin/env", "--chdir=\($0)"] + command } ?? command
        var arguments: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        defer { arguments.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, command[0], &actions, &attributes, &arguments, environ)
        guard spawned == 0 else { throw SpawnError(description: "could not start \(command[0]): errno \(spawned)") }
        self.pid = pid
    }

    /// Waits for the process to end; its exit status, or 128 + the signal that ended it.
    public func wait() throws -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw SpawnError(description: "waitpid failed: errno \(errno)") }
        }
        // WIFEXITED / WEXITSTATUS, which Swift does not import as macros.
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// Waits for the process to end on a thread of its own, so an async test does not hold one
    /// of the cooperative pool's few threads (two on this machine) for the child's whole life
    /// and starve the tests running beside it.
    public func exitStatus() async throws -> Int32 {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try self.wait() }) }.start()
        }
    }

    /// Sends `signal` and waits for the process to end.
    @discardableResult
    public func stop(signal: Int32 = SIGTERM) throws -> Int32 {
        kill(pid, signal)
        return try wait()
    }
}
