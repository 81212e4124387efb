import Foundation
import Synchronization

/// A child process started with posix_spawn, its output in a file, and reaped with a blocking
/// waitpid on its pid alone. Foundation's `Process` is not used: its wait missed the exit of
/// `runuser` around `pg_ctl start` and hung.
public final class ChildProcess: Sendable {
    public let pid: pid_t
    /// The exit status once a wait has reaped the process: the kernel reports it only once.
    private let reaped = Mutex<Int32?>(nil)

    public struct SpawnError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Starts `command` (an absolute path and its arguments) with standard output and error
    /// going to `output` (replaced, or extended when `appending`) and standard input from
    /// /dev/null; in `directory` if given, which `env` changes to first, since another user may
    /// not be able to enter the caller's.
    public init(_ command: [String], output: String, appending: Bool = false, directory: String? = nil) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | (appending ? O_APPEND : O_TRUNC), 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        // Nothing else of ours: a descriptor the child inherited (a test server's listening
        // socket, opened without close-on-exec) would live as long as the child does, and a
        // long-lived child (the shared PostgreSQL) would keep that port taken for the whole run.
        guard Self.addCloseFrom(&actions, 3) == 0 else {
            throw SpawnError(description: "posix_spawn_file_actions_addclosefrom_np failed")
        }
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

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's Glibc
    /// module does not import: found by name.
    private static let addCloseFrom: @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32 = {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "posix_spawn_file_actions_addclosefrom_np") else {
            preconditionFailure("this glibc lacks posix_spawn_file_actions_addclosefrom_np (2.34 and later have it)")
        }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    /// Waits for the process to end; its exit status, or 128 + the signal that ended it.
    /// Blocks: from async code, use ``exitStatus()``.
    public func wait() throws -> Int32 {
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) < 0 {
            // Reaped meanwhile by exitStatusIfEnded(), which stored the status under the lock
            // it held while reaping.
            if errno == ECHILD, let status = reaped.withLock({ $0 }) { return status }
            guard errno == EINTR else { throw SpawnError(description: "waitpid failed: errno \(errno)") }
        }
        let status = Self.exitStatus(raw)
        reaped.withLock { $0 = status }
        return status
    }

    /// The exit status if the process has ended, without waiting; nil while it runs.
    public func exitStatusIfEnded() -> Int32? {
        reaped.withLock { reaped in
            if let reaped { return reaped }
            var raw: Int32 = 0
            guard waitpid(pid, &raw, WNOHANG) == pid else { return nil }
            reaped = Self.exitStatus(raw)
            return reaped
        }
    }

    /// Waits for the process to end on a thread of its own, so an async test does not hold one
    /// of the cooperative pool's few threads (two on this machine) for the child's whole life
    /// and starve the tests running beside it.
    public func exitStatus() async throws -> Int32 {
        try await OwnThread.run { try self.wait() }
    }

    /// Like ``exitStatus()``, but kills the process with SIGKILL and throws once `timeLimit`
    /// has passed, so a hung child cannot hang the test run.
    public func exitStatus(within timeLimit: Duration) async throws -> Int32 {
        try await withThrowingTaskGroup(of: Int32?.self) { group in
            group.addTask { try await self.exitStatus() }
            group.addTask {
                try? await Task.sleep(for: timeLimit)
                return nil
            }
            let first = try await group.next()!
            guard let status = first else {
                kill(pid, SIGKILL)
                _ = try await group.next()
                throw SpawnError(description: "process \(pid) did not end within \(timeLimit); killed it")
            }
            group.cancelAll()
            return status
        }
    }

    /// Sends `signal` and waits, off the cooperative pool, for the process to end.
    public func stopped(signal: Int32 = SIGTERM) async throws -> Int32 {
        kill(pid, signal)
        return try await exitStatus(within: .seconds(60))
    }

    /// WIFEXITED / WEXITSTATUS, which Swift does not import as macros.
    private static func exitStatus(_ raw: Int32) -> Int32 {
        raw & 0x7f == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
    }
}

extension ChildProcess {
    /// Runs `body`, then stops `processes` with SIGTERM (waiting for each off the cooperative
    /// pool), also when `body` throws: the async stand-in for `defer { process.stop() }`.
    public static func stopping<Result>(
        _ processes: [ChildProcess], after body: () async throws -> Result
    ) async throws -> Result {
        let result: Swift.Result<Result, any Error>
        do { result = .success(try await body()) } catch { result = .failure(error) }
        for process in processes { _ = try? await process.stopped() }
        return try result.get()
    }
}
