import Foundation
import TestSupport
import Testing

/// `move-to-postgres` on the real binary: an installation made through the API on SQLite moves into an empty database
/// of the test cluster and is served from there as it was (same logins, same responses, a working queue).
@Suite(.serialized) struct MoveToPostgresProcessTests {
    static let env = ["WORKER_POLL_EVERY": "200ms"]

    /// The JSON object of a response body.
    static func object(_ body: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
    }

    static func login(_ server: ServerProcess, _ email: String, _ password: String) async throws -> String {
        let r = try await server.request("POST", "/auth/login", json: #"{"email":"\#(email)","password":"\#(password)"}"#)
        #expect(r.status == 200, "\(r.body)")
        return try #require(try object(r.body)["token"] as? String)
    }

    static func createPersona(_ server: ServerProcess, _ token: String, _ name: String) async throws -> String {
        let r = try await server.request(
            "POST", "/personas", json: #"{"name":"\#(name)","writing_samples":["a","b","c"],"preferred_language":"en"}"#, token: token)
        #expect(r.status == 201, "\(r.body)")
        return try #require(try object(r.body)["id"] as? String)
    }

    /// Runs `personaworlds move-to-postgres` on the SQLite database of `source`.
    static func move(_ source: TestDirectory, to url: String, _ extra: [String] = []) async throws -> (status: Int32, output: String) {
        try await ServerProcess.run(
            ["move-to-postgres", "--to", url] + extra, environment: ["DATABASE_PATH": source.databasePath, "LOG_LEVEL": "error"])
    }

    /// The responses a user sees, by path (compared before and after the move).
    static func snapshot(_ server: ServerProcess, token: String, paths: [String]) async throws -> [String: String] {
        var out: [String: String] = [:]
        for path in paths {
            let r = try await server.request("GET", path, token: token)
            #expect(r.status == 200, "\(path): \(r.body)")
            out[path] = r.body
        }
        return out
    }

    /// Every index and constraint of the database's public schema, one definition a line, sorted.
    static func catalogue(_ cluster: PostgresCluster, _ database: String) async throws -> String {
        let rows = try await cluster.query(
            database,
            """
            SELECT string_agg(d, E'\\n' ORDER BY d) FROM (
              SELECT indexdef AS d FROM pg_indexes WHERE schemaname = 'public'
              UNION ALL
              SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
              FROM pg_constraint WHERE connamespace = 'public'::regnamespace
            ) x
            """)
        return try rows[0].decode(String.self)
    }

    @Test func anInstallationMovedToPostgresIsServedAsItWasAndKeepsWorking() async throws {
        let cluster = try await PostgresCluster.shared()
        let source = TestDirectory(backend: .sqlite)
        let server = try await ServerProcess(directory: source, environment: Self.env)
        let alice = try await BattleProcessTests.signup(server, "alice-move@example.com")
        let bob = try await BattleProcessTests.signup(server, "bob-move@example.com")
        let ada = try await Self.createPersona(server, alice, "Ada")
        let linus = try await Self.createPersona(server, alice, "Linus")
        #expect(try await server.request("POST", "/personas/\(ada)/publish-profile", json: #"{"slug":"ada"}"#, token: alice).status == 200)
        #expect(try await server.request("POST", "/p/ada/follow", token: bob).status == 200)
        let room = try await BattleProcessTests.room(server, token: alice)
        let battle = try await server.request("POST", "/rooms/\(room)/battles", json: #"{"topic":"Does the move keep it all?"}"#, token: alice)
        #expect(battle.status == 201, "\(battle.body)")
        let battleID = try #require(try Self.object(battle.body)["battle_id"] as? String)
        #expect(try await QueueProcessTests.waitFor(source, "SELECT COUNT(*) FROM replies", equals: 2, timeout: 30) == 2)
        #expect(
            try await server.request("POST", "/events", json: #"{"event_name":"battle_shared","metadata":{"battle_id":"\#(battleID)"}}"#, token: bob)
                .status == 202)

        let target = try await cluster.emptyDatabase()
        let url = cluster.url(database: target)
        let whileServing = try await Self.move(source, to: url)
        #expect(whileServing.status == 1 && whileServing.output.contains("a server is using"), "\(whileServing.output)")

        let paths = ["/personas", "/rooms/\(room)/posts", "/posts/\(battleID)/thread", "/notifications", "/templates", "/rooms"]
        let before = try await Self.snapshot(server, token: alice, paths: paths)
        let bobBefore = try await Self.snapshot(server, token: bob, paths: ["/notifications"])
        #expect(await server.stop() == 0)

        let dryRun = try await Self.move(source, to: url, ["--dry-run"])
        #expect(dryRun.status == 0, "\(dryRun.output)")
        #expect(dryRun.output.contains("nothing written"), "\(dryRun.output)")
        let untouched = try await cluster.query(target, "SELECT to_regclass('schema_migrations') IS NULL AND to_regclass('users') IS NULL")
        #expect(try untouched[0].decode(Bool.self), "a dry run writes nothing, not even the schema")

        let moved = try await Self.move(source, to: url)
        #expect(moved.status == 0, "\(moved.output)")
        #expect(moved.output.contains("every count and checksum matches"), "\(moved.output)")
        for table in ["users", "personas", "posts", "replies", "jobs", "persona_follows", "events", "notifications", "sessions"] {
            let line = moved.output.split(separator: "\n").first { $0.hasPrefix(table + " ") }
            #expect(line?.hasSuffix("ok") == true, "\(table): \(line ?? "missing")")
        }
        // The move sets the tables' secondary indexes and foreign keys aside for the COPY and builds them again.
        let migrated = try await cluster.freshDatabase()
        #expect(try await Self.catalogue(cluster, target) == Self.catalogue(cluster, migrated))

        let served = TestDirectory(backend: .postgres)
        served.postgres = (cluster, target)
        let pgServer = try await ServerProcess(directory: served, environment: Self.env)
        let aliceAgain = try await Self.login(pgServer, "alice-move@example.com", "password123")
        let bobAgain = try await Self.login(pgServer, "bob-move@example.com", "password123")
        let after = try await Self.snapshot(pgServer, token: aliceAgain, paths: paths)
        for path in paths { #expect(after[path] == before[path], "\(path)\nbefore: \(before[path] ?? "")\nafter:  \(after[path] ?? "")") }
        #expect(try await Self.snapshot(pgServer, token: bobAgain, paths: ["/notifications"]) == bobBefore)
        #expect(try await pgServer.request("GET", "/personas", token: alice).status == 200, "a session made on SQLite still holds")

        // New rows get fresh ids (the sequences continue past the copied ones) and the queue works.
        #expect(
            try await pgServer.request("POST", "/events", json: #"{"event_name":"battle_shared","metadata":{"battle_id":"\#(battleID)"}}"#)
                .status == 202)
        #expect(try await pgServer.request("POST", "/personas/\(linus)/publish-profile", json: #"{"slug":"linus"}"#, token: aliceAgain).status == 200)
        #expect(try await pgServer.request("POST", "/p/linus/follow", token: bobAgain).status == 200)
        let second = try await pgServer.request("POST", "/rooms/\(room)/battles", json: #"{"topic":"And on PostgreSQL?"}"#, token: aliceAgain)
        #expect(second.status == 201, "\(second.body)")
        #expect(try await QueueProcessTests.waitFor(served, "SELECT COUNT(*) FROM replies", equals: 4, timeout: 30) == 4)
        #expect(try await QueueProcessTests.waitFor(served, "SELECT COUNT(*) FROM notifications", equals: 2, timeout: 1) == 2)
        #expect(await pgServer.stop() == 0)

        let again = try await Self.move(source, to: url)
        #expect(again.status == 1 && again.output.contains("already holds 2 users"), "\(again.output)")
    }

    @Test func aMalformedTargetURLExitsTwoNamingTheOption() async throws {
        let source = TestDirectory(backend: .sqlite)
        let result = try await Self.move(source, to: "mysql://nope")
        #expect(result.status == 2 && result.output.contains("--to"), "\(result.output)")
    }
}
