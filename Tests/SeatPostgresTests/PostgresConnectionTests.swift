import Foundation
import SeatPostgres
import SeatTestSupport
import Testing

@Suite struct PostgresConnectionTests {
    @Test func statementsTakeValuesOnlyAsParametersAndErrorsCarryTheirSQLState() throws {
        let cluster = try PostgresCluster()
        let connection = try PostgresConnection(url: cluster.url)
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
    }

    /// Pipelined statements are answered in order, each its own transaction: one that fails
    /// throws its own error, and neither undoes nor blocks those around it.
    @Test func pipelinedStatementsAnswerInOrderAndAFailureStaysItsOwn() throws {
        let cluster = try PostgresCluster()
        let connection = try PostgresConnection(url: cluster.url)
        try connection.execute("CREATE TABLE counts (id integer PRIMARY KEY, n integer NOT NULL)")
        try connection.prepare("insert", "INSERT INTO counts VALUES ($1, $2) RETURNING n")
        try connection.enterPipelineMode()
        try connection.sendPrepared("insert", [1, 10])
        try connection.sendPrepared("insert", [1, 20])  // the same key: refused
        try connection.sendPrepared("insert", [2, 30])
        #expect(try connection.nextPipelinedResult(context: "first")[0, 0] == "10")
        #expect {
            try connection.nextPipelinedResult(context: "second")
        } throws: { ($0 as? PostgresError)?.sqlState == PostgresError.uniqueViolation }
        #expect(try connection.nextPipelinedResult(context: "third")[0, 0] == "30")
        let check = try PostgresConnection(url: cluster.url)
        #expect(try check.execute("SELECT count(*) FROM counts").integer(0, 0) == 2)
    }

    @Test func copyWritesRowsAndATransactionIsAllOrNothing() throws {
        let cluster = try PostgresCluster()
        let connection = try PostgresConnection(url: cluster.url)
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

    @Test func connectionFailuresSaySoAndSSLModeIsHonoured() throws {
        let cluster = try PostgresCluster()
        // The throwaway cluster serves no TLS: a client that requires it must not connect.
        #expect {
            _ = try PostgresConnection(url: cluster.url + "&sslmode=require")
        } throws: { error in
            guard let error = error as? PostgresError else { return false }
            return error.kind == .connection && error.message.contains("SSL")
        }
        #expect(try PostgresConnection(url: cluster.url + "&sslmode=prefer").isUsable)
        try cluster.stop()
        #expect {
            _ = try PostgresConnection(url: cluster.url)
        } throws: { ($0 as? PostgresError)?.isConnectionLost == true }
    }

    @Test func aKilledServerBreaksTheConnectionAndARestartedOneAcceptsANewOne() throws {
        let cluster = try PostgresCluster()
        let connection = try PostgresConnection(url: cluster.url)
        try cluster.kill()
        #expect {
            try connection.execute("SELECT 1")
        } throws: { ($0 as? PostgresError)?.isConnectionLost == true }
        try cluster.start()
        #expect(try PostgresConnection(url: cluster.url).execute("SELECT 1").integer(0, 0) == 1)
    }

    @Test func migrationsApplyOnceAndANewerSchemaIsRefused() throws {
        let cluster = try PostgresCluster()
        let connection = try PostgresConnection(url: cluster.url)
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
