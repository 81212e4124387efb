import Foundation
import SeatPostgres
import SeatTestSupport
import Testing

@Suite(.timeLimit(.minutes(3))) struct PostgresConnectionTests {
    @Test func statementsTakeValuesOnlyAsParametersAndErrorsCarryTheirSQLStatePipelinedOrNot() async throws {
        try await PostgresCluster.withSharedDatabase { database in
            let connection = try PostgresConnection(url: database.url)
            try connection.execute("CREATE TABLE notes (id integer PRIMARY KEY, body text, seats integer[])")
            let hostile = "x'); DROP TABLE notes; --\t\\N\n"
            try connection.execute("INSERT INTO notes VALUES ($1, $2, $3)", [1, hostile, [Int32(4), 5]])
            try connection.execute("INSERT INTO notes VALUES ($1, $2, $3)", [2, nil, [Int32]()])
            let rows = try connection.execute("SELECT id, body, seats FROM notes ORDER BY id")
            #expect(rows.count == 2)
            #expect(rows[0, 1] == hostile && rows[0, 2] == "{4,5}")
            #expect(rows[1, 1] == nil && rows[1, 2] == "{}")
            #expect {
                try connection.execute("INSERT INTO notes VALUES ($1, $2, $3)", [1, "again", [Int32]()])
            } throws: { ($0 as? PostgresError)?.sqlState == PostgresError.uniqueViolation && ($0 as? PostgresError)?.kind == .statement }
            #expect {
                try connection.execute("SELECT * FROM no_such_table")
            } throws: { ($0 as? PostgresError)?.sqlState == "42P01" }
            // The connection is still good after refusals.
            #expect(try connection.execute("SELECT count(*) FROM notes").integer(0, 0) == 2)

            // Pipelined (on the same cluster: each cluster costs seconds to start), statements are
            // answered in order, each its own transaction: a failure throws its own error and
            // neither undoes nor blocks those around it.
            let pipelined = try PostgresConnection(url: database.url)
            try pipelined.prepare("insert", "INSERT INTO notes (id, body) VALUES ($1, $2) RETURNING body")
            try pipelined.enterPipelineMode()
            try pipelined.sendPrepared("insert", [3, "three"])
            try pipelined.sendPrepared("insert", [3, "again"])  // the same key: refused
            try pipelined.sendPrepared("insert", [4, "four"])
            #expect(try pipelined.nextPipelinedResult(context: "first")[0, 0] == "three")
            #expect {
                try pipelined.nextPipelinedResult(context: "second")
            } throws: { ($0 as? PostgresError)?.sqlState == PostgresError.uniqueViolation }
            #expect(try pipelined.nextPipelinedResult(context: "third")[0, 0] == "four")
            #expect(try connection.execute("SELECT count(*) FROM notes").integer(0, 0) == 4)
        }
    }

    @Test func copyWritesRowsAndATransactionIsAllOrNothing() async throws {
        try await PostgresCluster.withSharedDatabase { database in
            let connection = try PostgresConnection(url: database.url)
            try connection.execute("CREATE TABLE seats (show integer, seat integer, free boolean, UNIQUE (show, seat))")
            var rows = CopyRows()
            for seat in 0..<1_000 {
                rows.field(7)
                rows.field(seat)
                rows.field(seat % 2 == 0)
                rows.endRow()
            }
            #expect(try connection.copy("COPY seats FROM STDIN", data: rows.bytes) == 1_000)
            #expect(try connection.execute("SELECT count(*) FROM seats WHERE free").integer(0, 0) == 500)
            #expect(throws: PostgresError.self) {
                try connection.transaction {
                    var more = CopyRows()
                    more.field(8)
                    more.field(1)
                    more.field(true)
                    more.endRow()
                    try connection.copy("COPY seats FROM STDIN", data: more.bytes)
                    try connection.copy("COPY seats FROM STDIN", data: rows.bytes)  // duplicates: refused
                }
            }
            #expect(try connection.execute("SELECT count(*) FROM seats").integer(0, 0) == 1_000, "the whole transaction rolled back")
        }
    }

    @Test func connectionFailuresSaySoAndSSLModeIsHonoured() async throws {
        try await PostgresCluster.with { cluster in
            // The throwaway cluster serves no TLS: a client that requires it must not connect.
            #expect {
                _ = try PostgresConnection(url: cluster.url + "&sslmode=require")
            } throws: { error in
                guard let error = error as? PostgresError else { return false }
                return error.kind == .connection && error.message.contains("SSL")
            }
            #expect(try PostgresConnection(url: cluster.url + "&sslmode=prefer").isUsable)
            try await cluster.stop()
            #expect {
                _ = try PostgresConnection(url: cluster.url)
            } throws: { ($0 as? PostgresError)?.isConnectionLost == true }
        }
    }

    @Test func aKilledServerBreaksTheConnectionAndARestartedOneAcceptsANewOne() async throws {
        try await PostgresCluster.with { cluster in
            let connection = try PostgresConnection(url: cluster.url)
            try await cluster.kill()
            #expect {
                try connection.execute("SELECT 1")
            } throws: { ($0 as? PostgresError)?.isConnectionLost == true }
            try await cluster.start()
            #expect(try PostgresConnection(url: cluster.url).execute("SELECT 1").integer(0, 0) == 1)
        }
    }

    @Test func migrationsApplyOnceAndANewerSchemaIsRefused() async throws {
        try await PostgresCluster.withSharedDatabase { database in
            let connection = try PostgresConnection(url: database.url)
            #expect(try Schema.version(connection) == 0)
            #expect(try Schema.migrate(connection) == Schema.migrations.map(\.version))
            #expect(try Schema.migrate(connection) == [])
            #expect(try Schema.version(connection) == Schema.latestVersion)
            #expect(try connection.execute("SELECT persisted_lsn FROM seat_persister_progress").integer(0, 0) == 0)
            try connection.execute("INSERT INTO seat_schema_migrations (version, name) VALUES ($1, 'from the future')", [Schema.latestVersion + 1])
            #expect {
                try Schema.migrate(connection)
            } throws: { ($0 as? SchemaError) == .newerThanThisBuild(database: Schema.latestVersion + 1, known: Schema.latestVersion) }
        }
    }
}
