import Foundation
import TestSupport
import Testing

/// The real binary on a loopback port.
@Suite(.serialized) struct BinaryTests {
    @Test func serveAnswersHealthzSignupAndShutsDownOnSigterm() async throws {
        let dir = TestDirectory()
        let server = try await ServerProcess(directory: dir)
        let health = try await server.request("GET", "/healthz")
        #expect(health.status == 200)
        #expect(health.body == "{\"ok\":true}\n")
        #expect(try await server.request("GET", "/readyz").status == 200)
        let signup = try await server.request("POST", "/auth/signup", json: #"{"email":"e2e@example.com","password":"password123"}"#)
        #expect(signup.status == 201)
        let token = try #require((try JSONSerialization.jsonObject(with: Data(signup.body.utf8)) as? [String: Any])?["token"] as? String)
        let rooms = try await server.request("GET", "/rooms", token: token)
        #expect(rooms.status == 200)
        #expect(rooms.body.contains("go-backend"))
        #expect(await server.stop() == 0)
    }

    @Test func adminGrantAndRevokeSetTheStoredRoleWhileTheServerRuns() async throws {
        let dir = TestDirectory()
        let server = try await ServerProcess(directory: dir)
        try await server.stopping {
            let signup = try await server.request("POST", "/auth/signup", json: #"{"email":"ops@example.com","password":"password123"}"#)
            let token = try #require((try JSONSerialization.jsonObject(with: Data(signup.body.utf8)) as? [String: Any])?["token"] as? String)
            #expect(try await server.request("GET", "/admin/analytics/summary", token: token).status == 403)
            let env = ["DATABASE_PATH": dir.databasePath, "JWT_SECRET": "e2e-secret-0123456789-abcdefghijklmnopqrstuvwxyz", "LOG_LEVEL": "error"]
            let granted = try await ServerProcess.run(["admin", "grant", " OPS@example.com "], environment: env)
            #expect(granted.status == 0 && granted.output.contains("ops@example.com is now an admin"), "\(granted.output)")
            #expect(try await server.request("GET", "/admin/analytics/summary", token: token).status == 200)
            #expect(try await ServerProcess.run(["admin", "revoke", "ops@example.com"], environment: env).status == 0)
            #expect(try await server.request("GET", "/admin/analytics/summary", token: token).status == 403)
            let missing = try await ServerProcess.run(["admin", "grant", "nobody@example.com"], environment: env)
            #expect(missing.status == 1 && missing.output.contains("sign up first"), "\(missing.output)")
        }
    }

    @Test func versionAndHelpWork() async throws {
        let version = try await ServerProcess.run(["version"])
        #expect(version.status == 0)
        #expect(version.output.hasPrefix("personaworlds "))
        let help = try await ServerProcess.run(["serve", "--help"])
        #expect(help.output.contains("--worker-only"))
        #expect(help.output.contains("--config"))
    }

    @Test func badConfigurationExitsWithStatus2NamingTheVariable() async throws {
        let dir = TestDirectory()
        let bad = try await ServerProcess.run(["serve"], environment: ["DATABASE_PATH": dir.databasePath, "WORKER_POLL_EVERY": "3"])
        #expect(bad.status == 2)
        #expect(bad.output.contains("WORKER_POLL_EVERY"))
        #expect(bad.output.split(separator: "\n").count == 1)
        let prod = try await ServerProcess.run(["migrate"], environment: ["DATABASE_PATH": dir.databasePath, "APP_ENV": "prod", "JWT_SECRET": ""])
        #expect(prod.status == 2)
        #expect(prod.output.contains("JWT_SECRET"))
    }

    /// `migrate` and `seed` say which database they worked on: the PostgreSQL server and database of `DATABASE_URL`
    /// (never its password) when set, else the SQLite file; never the unused `DATABASE_PATH` beside a `DATABASE_URL`.
    @Test(arguments: StoreBackend.available)
    func migrateAndSeedNameTheDatabaseTheyWorkedOn(backend: StoreBackend) async throws {
        let dir = TestDirectory(backend: backend)
        try await backend.prepare(dir)
        var env = backend.environment(dir).merging(["LOG_LEVEL": "error"]) { $1 }
        let password = "pw-never-printed"
        var expected = dir.databasePath
        if let pg = dir.postgres {
            // The cluster trusts its socket, so a password in the URL is accepted and ignored.
            let url = pg.cluster.url(database: pg.name)
            env["DATABASE_URL"] = url.replacingOccurrences(of: "@:", with: ":\(password)@:")
            expected = "PostgreSQL at postgres://"
            #expect(url.contains("@:") && url.contains("/\(pg.name)?"), "\(url)")
        }
        let migrate = try await ServerProcess.run(["migrate"], environment: env)
        let seed = try await ServerProcess.run(["seed"], environment: env)
        for (command, run) in [("migrate", migrate), ("seed", seed)] {
            #expect(run.status == 0, "\(command): \(run.output)")
            let line = try #require(run.output.split(separator: "\n").first { $0.hasPrefix("\(command) completed:") }, "\(run.output)")
            #expect(line.contains(expected), "\(line)")
            #expect(!line.contains(password), "\(line)")
            if let name = dir.postgres?.name {
                #expect(line.hasSuffix("/\(name)") && !line.contains(dir.databasePath), "\(line)")
            }
        }
        #expect(migrate.output.contains(" migrations applied to "))
    }

    @Test func migrateAndSeedDemoAreIdempotent() async throws {
        let dir = TestDirectory()
        let env = dir.backend.environment(dir).merging(["LOG_LEVEL": "error"]) { $1 }
        #expect(try await ServerProcess.run(["migrate"], environment: env).status == 0)
        let first = try await ServerProcess.run(["seed", "--demo"], environment: env)
        #expect(first.status == 0)
        #expect(first.output.contains("seed completed: 4 rooms"))
        #expect(try await ServerProcess.run(["seed", "--demo"], environment: env).status == 0)
        let db = try await TestDatabase.open(dir)
        let counts = (
            try await db.int("SELECT COUNT(*) FROM users"),
            try await db.int("SELECT COUNT(*) FROM persona_public_profiles WHERE slug = 'demo-slug' AND is_public = 1"),
            try await db.int("SELECT COUNT(*) FROM posts WHERE status = 'PUBLISHED'"),
            try await db.int("SELECT COUNT(*) FROM rooms")
        )
        #expect(counts.0 == 1)
        #expect(counts.1 == 1)
        #expect(counts.2 == 1)
        #expect(counts.3 == 4)
    }
}
