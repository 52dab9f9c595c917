import GRDB
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing

/// A statement that outlives `DB_QUERY_TIMEOUT` becomes the route's contract 500, and the app keeps working.
/// SQLite only: a trigger slows one statement of the file down (PostgreSQL bounds statements with statement_timeout).
@Suite(.enabled(if: TestEngine.isSQLite)) struct DatabaseTimeoutTests {
    @Test func slowStatementGivesContract500ThenRecovers() async throws {
        try await TestApp.withRouter(["DB_QUERY_TIMEOUT": "300ms"]) { client, dir in
            let (token, _) = try await client.signup()
            // A trigger makes every persona insert run a long statement, on the same database file.
            let side = try DatabaseQueue(path: dir.databasePath)
            try await side.write { db in
                try db.execute(
                    sql: """
                        CREATE TRIGGER slow_persona AFTER INSERT ON personas BEGIN
                          SELECT COUNT(*) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c LIMIT 3000000000);
                        END
                        """)
            }
            let slow = try await client.send(.post, "/personas", token: token, json: TestJSON.persona())
            #expect(slow.status == .internalServerError)
            #expect(slow.errorMessage == "could not create persona")
            let list = try await client.send(.get, "/personas", token: token)
            #expect((list.jsonObject?["personas"] as? [Any])?.count == 0)

            try await side.write { try $0.execute(sql: "DROP TRIGGER slow_persona") }
            try side.close()
            let ok = try await client.send(.post, "/personas", token: token, json: TestJSON.persona())
            #expect(ok.status == .created)
        }
    }
}
