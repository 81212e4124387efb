import Foundation
import Logging
import NIOSSL
import PostgresKit
import PostgresNIO
import SQLKit

/// The production engine: a PostgreSQL server reached through `PostgresClient`'s pool.
final class PostgresBackend: DatabaseBackend {
    /// The advisory lock key that serializes migrations across every boxoffice instance sharing
    /// one database ("boxoffice" in ASCII, so it is recognisable in `pg_locks`).
    static let migrationLockKey: Int64 = 0x626F_786F_6666_6963

    let engine = Database.Engine.postgres
    let beginStatement = "BEGIN"
    private let client: PostgresClient
    private let preparedNames = PreparedStatementNames()

    init(location: PostgresLocation, connectionsMax: Int, logger: Logger) {
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.username,
            password: location.password, database: location.database, tls: location.tls.clientTLS)
        configuration.options.maximumConnections = connectionsMax
        configuration.options.connectTimeout = .seconds(5)
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
    }

    func run() async throws {
        await client.run()
    }

    func withSession<Result: Sendable>(
        _ body: @Sendable (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        try await client.withConnection { connection in
            try await body(PostgresSession(connection, names: self.preparedNames))
        }
    }

    func transaction<Result: Sendable>(
        _ body: @escaping @Sendable (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        try await withSession { session in try await Database.inTransaction(on: session, begin: self.beginStatement, body) }
    }

    /// The statement is sent outside a transaction block: PostgreSQL makes it a transaction by
    /// itself, committed when it ends.
    func write<Result: Sendable>(
        _ body: @escaping @Sendable (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        try await withSession(body)
    }

    func withReadSession<Result: Sendable>(
        _ body: @Sendable (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        try await withSession(body)
    }

    /// Holds a session-level advisory lock for the duration of `body`, on the connection `body`
    /// runs on, and releases it before the connection returns to the pool.
    func withMigrationLock<Result: Sendable>(
        _ body: @Sendable (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        try await withSession { session in
            try await session.raw("SELECT pg_advisory_lock(\(bind: Self.migrationLockKey))").run()
            do {
                let result = try await body(session)
                try await session.raw("SELECT pg_advisory_unlock(\(bind: Self.migrationLockKey))").run()
                return result
            } catch {
                try? await session.raw("SELECT pg_advisory_unlock(\(bind: Self.migrationLockKey))").run()
                throw error
            }
        }
    }
}

/// Where a PostgreSQL server is, as read from a `postgres://user:password@host:port/database?sslmode=…` URL.
public struct PostgresLocation: Sendable, Equatable {
    public enum TLSMode: String, Sendable {
        case disable, prefer, require
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String?
    public var tls: TLSMode

    public init(host: String, port: Int = 5432, username: String, password: String? = nil,
                database: String? = nil, tls: TLSMode = .disable) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
    }

    /// Parses a libpq-style URL; `sslmode` may be `disable`, `prefer` or `require` (the default is
    /// `prefer`, as libpq's).
    public init(url: String) throws {
        guard let components = URLComponents(string: url) else { throw DatabaseError.invalidURL("not a URL") }
        guard components.scheme == "postgres" || components.scheme == "postgresql" else {
            throw DatabaseError.invalidURL("the scheme must be postgres:// or postgresql://")
        }
        guard let host = components.host, !host.isEmpty else { throw DatabaseError.invalidURL("no host") }
        guard let username = components.user, !username.isEmpty else { throw DatabaseError.invalidURL("no user name") }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        var tls = TLSMode.prefer
        if let mode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value {
            guard let parsed = TLSMode(rawValue: mode) else {
                throw DatabaseError.invalidURL("sslmode must be disable, prefer or require, not \(mode)")
            }
            tls = parsed
        }
        self.init(host: host, port: components.port ?? 5432, username: username,
                  password: components.password?.removingPercentEncoding,
                  database: database.isEmpty ? nil : database, tls: tls)
    }
}

extension PostgresLocation.TLSMode {
    var clientTLS: PostgresClient.Configuration.TLS {
        switch self {
        case .disable: .disable
        case .prefer: .prefer(.makeClientConfiguration())
        case .require: .require(.makeClientConfiguration())
        }
    }
}
