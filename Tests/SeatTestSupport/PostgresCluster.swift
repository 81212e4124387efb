import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A throwaway PostgreSQL cluster for one test: its own directory under the system's temporary
/// one, a free loopback port, trust authentication for the `postgres` user. PostgreSQL refuses
/// to run as root, so as root its commands run as the `postgres` user.
///
/// The server binaries come from `SEAT_POSTGRES_BIN`, else Debian's PostgreSQL 15.
public final class PostgresCluster: @unchecked Sendable {
    public let directory: String
    public let port: Int
    public var url: String { "postgresql://postgres@127.0.0.1:\(port)/postgres?connect_timeout=5" }
    private var dataDirectory: String { directory + "/data" }
    private var logFile: String { directory + "/postgres.log" }
    private let isRemoved = Mutex(false)
    /// Connections the server accepts at once.
    public let connectionsMax: Int

    public static var binaries: String {
        Environment.value("SEAT_POSTGRES_BIN") ?? "/usr/lib/postgresql/15/bin"
    }

    /// Creates and starts a cluster.
    public init(connectionsMax: Int = 40) throws {
        self.connectionsMax = connectionsMax
        let template = FileManager.default.temporaryDirectory.appendingPathComponent("seat-postgres-XXXXXX").path
        var bytes = Array(template.utf8CString)
        guard mkdtemp(&bytes) != nil else { throw ClusterError(description: "mkdtemp failed: errno \(errno)") }
        directory = String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        port = try LoopbackPort.free()
        if geteuid() == 0 {
            guard chmod(directory, 0o755) == 0, Self.chownToPostgres(directory) else {
                throw ClusterError(description: "could not hand \(directory) to the postgres user")
            }
        }
        try run("initdb", ["-D", dataDirectory, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-instructions"])
        try start()
    }

    deinit {
        remove()
    }

    /// Starts the server and waits until it accepts connections.
    public func start() throws {
        do {
            try run(
                "pg_ctl",
                [
                    "-D", dataDirectory, "-l", logFile, "-w", "-t", "60",
                    "-o", "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c max_connections=\(connectionsMax) \(Self.smallServer)",
                    "start",
                ])
        } catch {
            // pg_ctl says only that it stopped waiting; the server's own log says why.
            let log = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
            throw ClusterError(description: "\(error); the server's log ends: \(log.suffix(2_000))")
        }
    }

    /// Many clusters run at once in a test run, on a small machine: each gets little memory (and
    /// few connections, unless asked), and dynamic shared memory in files rather than in a small /dev/shm.
    static let smallServer = "-c shared_buffers=16MB -c dynamic_shared_memory_type=mmap"

    /// A clean shutdown.
    public func stop() throws {
        try run("pg_ctl", ["-D", dataDirectory, "-w", "-m", "fast", "stop"])
    }

    /// Kills the server at once (SIGKILL to the postmaster, then its backends): what a crash or
    /// a pulled plug does. The next start recovers from PostgreSQL's own WAL.
    public func kill() throws {
        let pidFile = (try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8)) ?? ""
        guard let pid = pidFile.split(separator: "\n").first.flatMap({ Int32($0) }) else {
            throw ClusterError(description: "no postmaster.pid: the server is not running")
        }
        // Its backends too, or they would keep the shared memory a restart needs.
        for process in [pid] + Self.children(of: pid) { Glibc.kill(process, SIGKILL) }
        let deadline = ContinuousClock.now + .seconds(10)
        while Glibc.kill(pid, 0) == 0, ContinuousClock.now < deadline { usleep(10_000) }
    }

    /// Runs SQL through psql (for what tests do behind the server's back) and returns its output.
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") throws -> String {
        try run(
            "psql",
            ["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", "-d", database, "-c", sql])
    }

    /// Stops the server if it runs and deletes the cluster; once.
    public func remove() {
        guard !isRemoved.withLock({ isRemoved in defer { isRemoved = true }; return isRemoved }) else { return }
        _ = try? run("pg_ctl", ["-D", dataDirectory, "-m", "immediate", "stop"])
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs one of the server's programs, as `postgres` when we are root; throws with its output
    /// when it fails.
    @discardableResult
    private func run(_ program: String, _ arguments: [String]) throws -> String {
        let path = Self.binaries + "/" + program
        let command = geteuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--", path] + arguments : [path] + arguments
        // Output to a file, not a pipe: the server pg_ctl starts inherits the descriptor and
        // keeps it open, so a pipe would never reach its end.
        let outputPath = directory + "/command.out"
        let status = try ChildProcess(command, output: outputPath, directory: directory).wait()
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        guard status == 0 else {
            throw ClusterError(description: "\(program) \(arguments.joined(separator: " ")) failed (\(status)): \(text)")
        }
        return text
    }

    /// The processes whose parent is `parent`, from /proc.
    private static func children(of parent: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry in
            guard let pid = Int32(entry),
                let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let afterName = stat.range(of: ") ", options: .backwards)
            else { return nil }
            // Fields after the command name: state, then the parent's pid.
            let fields = stat[afterName.upperBound...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == parent ? pid : nil
        }
    }

    private static func chownToPostgres(_ path: String) -> Bool {
        guard let user = getpwnam("postgres") else { return false }
        return chown(path, user.pointee.pw_uid, user.pointee.pw_gid) == 0
    }

    public struct ClusterError: Error, CustomStringConvertible {
        public let description: String
    }
}

/// The cluster's commands wait for PostgreSQL (initdb, pg_ctl's waits, a kill's wait for the
/// processes to go): from async code they run on a thread of their own, never on the
/// cooperative pool.
extension PostgresCluster {
    /// A new cluster, created and started.
    public static func started(connectionsMax: Int = 40) async throws -> PostgresCluster {
        try await OwnThread.run { try PostgresCluster(connectionsMax: connectionsMax) }
    }

    public func start() async throws { try await OwnThread.run { try self.start() } }

    public func stop() async throws { try await OwnThread.run { try self.stop() } }

    public func kill() async throws { try await OwnThread.run { try self.kill() } }

    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") async throws -> String {
        try await OwnThread.run { try self.psql(sql, database: database) }
    }

    /// Stops the server and deletes the cluster, as `deinit` would, but off the pool.
    public func removed() async throws { try await OwnThread.run { self.remove() } }

    /// Runs `body` with a new cluster and removes the cluster afterwards, also when `body`
    /// throws, all off the pool: the async stand-in for `defer { cluster.remove() }`.
    public static func with<Result>(_ body: (PostgresCluster) async throws -> Result) async throws -> Result {
        let cluster = try await started()
        let result: Swift.Result<Result, any Error>
        do { result = .success(try await body(cluster)) } catch { result = .failure(error) }
        try await cluster.removed()
        return try result.get()
    }
}

/// A database of its own in the test run's shared cluster, for a test that neither stops nor
/// kills PostgreSQL: starting a cluster costs seconds, a database milliseconds.
public struct PostgresDatabase: Sendable {
    public let cluster: PostgresCluster
    public let name: String
    public var port: Int { cluster.port }
    public var url: String { "postgresql://postgres@127.0.0.1:\(cluster.port)/\(name)?connect_timeout=5" }

    @discardableResult
    public func psql(_ sql: String) async throws -> String { try await cluster.psql(sql, database: name) }
}

extension PostgresCluster {
    /// Runs `body` with a new database in the shared cluster, which is started on first use and
    /// removed when the test process exits; the database is dropped afterwards.
    public static func withSharedDatabase<Result>(_ body: (PostgresDatabase) async throws -> Result) async throws -> Result {
        let cluster = try await SharedCluster.instance.cluster()
        let database = PostgresDatabase(cluster: cluster, name: "test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())
        try await cluster.psql("CREATE DATABASE \(database.name)")
        let result: Swift.Result<Result, any Error>
        do { result = .success(try await body(database)) } catch { result = .failure(error) }
        _ = try? await cluster.psql("DROP DATABASE \(database.name) WITH (FORCE)")
        return try result.get()
    }
}

/// The test run's one shared cluster, started by the first test that asks.
private actor SharedCluster {
    static let instance = SharedCluster()
    private var starting: Task<PostgresCluster, any Error>?

    func cluster() async throws -> PostgresCluster {
        if let starting { return try await starting.value }
        let task = Task { () async throws -> PostgresCluster in
            // Every test that shares it holds connections at once: the box office's pools among them.
            let cluster = try await PostgresCluster.started(connectionsMax: 200)
            removedAtExit.withLock { $0 = cluster }
            atexit { removedAtExit.withLock { $0 }?.remove() }
            return cluster
        }
        starting = task
        return try await task.value
    }
}

/// The shared cluster, for the exit handler: a C function reaches it only through a global.
private let removedAtExit = Mutex<PostgresCluster?>(nil)
