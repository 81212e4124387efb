import Foundation
import Logging
import SQLKit

/// One step of a component's schema, applied once and never edited after release.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    let apply: @Sendable (any SQLDatabase, Database.Engine) async throws -> Void

    public init(
        _ version: Int, _ name: String,
        apply: @escaping @Sendable (_ database: any SQLDatabase, _ engine: Database.Engine) async throws -> Void
    ) {
        self.version = version
        self.name = name
        self.apply = apply
    }
}

/// A component's migrations (a service owns its tables, so each numbers its own from 1).
public struct MigrationSet: Sendable {
    public let component: String
    public let migrations: [Migration]

    public init(component: String, migrations: [Migration]) {
        precondition(
            migrations.enumerated().allSatisfy { $0.offset + 1 == $0.element.version },
            "\(component): migrations must be numbered 1, 2, 3… in order")
        self.component = component
        self.migrations = migrations
    }
}

extension Database {
    /// Applies every migration not yet recorded in `schema_migrations`, each in its own
    /// transaction, with other migrating processes kept out (PostgreSQL: an advisory lock;
    /// SQLite: the write lock of each `BEGIN IMMEDIATE`, under which the version is reread).
    ///
    /// Refuses to start when the database records a migration this program does not know: a
    /// newer box office has changed the tables, and running old code on them could corrupt them.
    public func migrate(_ sets: [MigrationSet], logger: Logger) async throws {
        let engine = self.engine
        let begin = backend.beginStatement
        try await backend.withMigrationLock { session in
            try await session.create(table: "schema_migrations").ifNotExists()
                .column("component", type: .text, .notNull)
                .column("version", type: .bigint, .notNull)
                .column("name", type: .text, .notNull)
                .column("applied_at_ms", type: .bigint, .notNull)
                .primaryKey("component", "version")
                .run()
            for set in sets {
                let newest = try await Self.newestVersion(of: set.component, on: session)
                if newest > set.migrations.count {
                    throw DatabaseError.schemaNewerThanCode(
                        component: set.component, databaseVersion: newest, codeVersion: set.migrations.count)
                }
                for migration in set.migrations where migration.version > newest {
                    let applied = try await Self.inTransaction(on: session, begin: begin) { session in
                        // Reread under the transaction's lock: another process may have won.
                        guard try await Self.newestVersion(of: set.component, on: session) < migration.version
                        else { return false }
                        try await migration.apply(session, engine)
                        try await session.insert(into: "schema_migrations")
                            .columns("component", "version", "name", "applied_at_ms")
                            .values(
                                SQLBind(set.component), SQLBind(migration.version), SQLBind(migration.name),
                                SQLBind(Int64(Date().timeIntervalSince1970 * 1000)))
                            .run()
                        return true
                    }
                    if applied {
                        logger.info("applied migration", metadata: [
                            "component": "\(set.component)", "version": "\(migration.version)",
                            "name": "\(migration.name)",
                        ])
                    }
                }
            }
        }
    }

    private static func newestVersion(of component: String, on session: any SQLDatabase) async throws -> Int {
        let row = try await session.select()
            .column(SQLFunction("coalesce", args: SQLFunction("max", args: SQLColumn("version")), SQLLiteral.numeric("0")), as: "newest")
            .from("schema_migrations")
            .where("component", .equal, component)
            .first()
        return try row?.decode(column: "newest", as: Int.self) ?? 0
    }

    /// The migrations applied so far, per component (for `/readyz` and operators).
    public func appliedMigrations() async throws -> [String: Int] {
        try await withSession { session in
            let rows = try await session.select()
                .column("component")
                .column(SQLFunction("max", args: SQLColumn("version")), as: "newest")
                .from("schema_migrations")
                .groupBy("component")
                .all()
            var versions: [String: Int] = [:]
            for row in rows {
                versions[try row.decode(column: "component", as: String.self)] = try row.decode(column: "newest", as: Int.self)
            }
            return versions
        }
    }
}
