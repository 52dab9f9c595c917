import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing

/// A statement that outlives `DB_QUERY_TIMEOUT` becomes the route's contract 500, and the app keeps working.
@Suite struct DatabaseTimeoutTests {
    /// SQLite-only: the slow statement is a SQLite trigger (another engine needs its own way to stall an insert).
    @Test func slowStatementGivesContract500ThenRecovers() async throws {
        try await TestApp.withRouter(["DB_QUERY_TIMEOUT": "300ms"], backend: .sqlite) { client, dir in
            let (token, _) = try await client.signup()
            // A trigger makes every persona insert run a long statement, on the same database.
            let side = try await TestDatabase.open(dir)
            try await side.execute(
                """
                CREATE TRIGGER slow_persona AFTER INSERT ON personas BEGIN
                  SELECT COUNT(*) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c LIMIT 3000000000);
                END
                """)
            let slow = try await client.send(.post, "/personas", token: token, json: TestJSON.persona())
            #expect(slow.status == .internalServerError)
            #expect(slow.errorMessage == "could not create persona")
            let list = try await client.send(.get, "/personas", token: token)
            #expect((list.jsonObject?["personas"] as? [Any])?.count == 0)

            try await side.execute("DROP TRIGGER slow_persona")
            try await side.close()
            let ok = try await client.send(.post, "/personas", token: token, json: TestJSON.persona())
            #expect(ok.status == .created)
        }
    }
}
