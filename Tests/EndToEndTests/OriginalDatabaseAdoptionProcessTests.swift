import Foundation
import TestSupport
import Testing

/// `personaworlds migrate` on a database the original Go service made adopts it in place: its users log in with their
/// existing passwords and their data is served and processed through the API (the real binary on loopback).
@Suite(.serialized) struct OriginalDatabaseAdoptionProcessTests {
    @Test func anOriginalDatabaseIsMigratedInPlaceAndServedThroughTheAPI() async throws {
        let cluster = try await PostgresCluster.shared()
        let name = try await OriginalDatabase.make(on: cluster)
        let dir = TestDirectory(backend: .postgres)
        dir.postgres = (cluster, name)
        let migrate = try await ServerProcess.run(["migrate"], environment: dir.backend.environment(dir).merging(["LOG_LEVEL": "error"]) { $1 })
        #expect(migrate.status == 0, "\(migrate.output)")
        let versions = try await cluster.query(name, "SELECT COUNT(*) FROM schema_migrations").first?.decode(Int.self)
        #expect(versions == OriginalDatabase.knownMigrations, "the original's seven rows kept, ours added after them")

        let server = try await ServerProcess(directory: dir, environment: ["WORKER_POLL_EVERY": "200ms"])
        let wrong = try await server.request("POST", "/auth/login", json: #"{"email":"orig-alice@example.com","password":"not-the-password"}"#)
        #expect(wrong.status == 401)
        let alice = try await MoveToPostgresProcessTests.login(server, "orig-alice@example.com", OriginalDatabase.password)
        _ = try await MoveToPostgresProcessTests.login(server, "orig-bob@example.com", OriginalDatabase.password)

        let personas = try await server.request("GET", "/personas", token: alice)
        #expect(personas.status == 200)
        #expect(
            personas.body.contains("Old Ada") && personas.body.contains("Old Linus") && personas.body.contains("second sample"), "\(personas.body)")
        let posts = try await server.request("GET", "/rooms/\(OriginalDatabase.room)/posts", token: alice)
        #expect(posts.status == 200 && posts.body.contains("Is the original database adopted?"), "\(posts.body)")
        let notifications = try await server.request("GET", "/notifications", token: alice)
        #expect(notifications.status == 200 && notifications.body.contains("persona_followed"), "\(notifications.body)")
        #expect(notifications.body.contains(#""unread_count":1"#), "\(notifications.body)")
        let profile = try await server.request("GET", "/p/old-ada")
        #expect(profile.status == 200 && profile.body.contains(#""followers":1"#), "\(profile.body)")

        // The pending job the original enqueued is processed: Linus replies beside Ada's original reply.
        #expect(try await QueueProcessTests.waitFor(dir, "SELECT COUNT(*) FROM jobs WHERE status = 'DONE'", equals: 1, timeout: 30) == 1)
        let thread = try await server.request("GET", "/posts/\(OriginalDatabase.battle)/thread", token: alice)
        #expect(thread.status == 200 && thread.body.contains("An original reply by Ada."), "\(thread.body)")
        let replies = try MoveToPostgresProcessTests.object(thread.body)["replies"] as? [[String: Any]]
        #expect(Set(replies?.compactMap { $0["persona_id"] as? String } ?? []) == [OriginalDatabase.ada, OriginalDatabase.linus], "\(thread.body)")

        // And it keeps working: a new battle by the original user is answered by both personas.
        let battle = try await server.request(
            "POST", "/rooms/\(OriginalDatabase.room)/battles", json: #"{"topic":"Life after adoption"}"#, token: alice)
        #expect(battle.status == 201 && battle.body.contains(#""enqueued_replies":2"#), "\(battle.body)")
        #expect(try await QueueProcessTests.waitFor(dir, "SELECT COUNT(*) FROM replies", equals: 4, timeout: 30) == 4)
        #expect(await server.stop() == 0)
    }
}
