import Domain
import Foundation
import TestSupport
import Testing

/// Battles on the real binary: crash recovery of their reply jobs, the template's rules reaching the
/// provider, and the client IP behind a trusted proxy.
@Suite(.serialized) struct BattleProcessTests {
    static func signup(_ server: ServerProcess, _ email: String) async throws -> String {
        let r = try await server.request("POST", "/auth/signup", json: #"{"email":"\#(email)","password":"password123"}"#)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.body.utf8)) as? [String: Any])
        return try #require(object["token"] as? String)
    }

    static func room(_ server: ServerProcess, token: String) async throws -> String {
        let r = try await server.request("GET", "/rooms", token: token)
        let rooms = try #require((try JSONSerialization.jsonObject(with: Data(r.body.utf8)) as? [String: Any])?["rooms"] as? [[String: Any]])
        return try #require(rooms.first?["id"] as? String)
    }

    @Test func killDuringABattlesRepliesLosesNothingAndWritesEachReplyOnce() async throws {
        let dir = TestDirectory()
        let env = ["MOCK_LLM_LATENCY": "4s", "WORKER_TASK_TIMEOUT": "10s", "JOB_LEASE_GRACE": "1s", "WORKER_POLL_EVERY": "200ms"]
        let server = try await ServerProcess(directory: dir, environment: env)
        let token = try await Self.signup(server, "battle-crash@example.com")
        for name in ["Ada", "Linus"] {
            #expect(
                try await server.request(
                    "POST", "/personas", json: #"{"name":"\#(name)","writing_samples":["a","b","c"],"preferred_language":"en"}"#,
                    token: token
                ).status == 201)
        }
        let room = try await Self.room(server, token: token)
        let battle = try await server.request("POST", "/rooms/\(room)/battles", json: #"{"topic":"Will both replies survive?"}"#, token: token)
        #expect(battle.status == 201 && battle.body.contains(#""enqueued_replies":2"#))
        #expect(try await QueueProcessTests.waitFor(dir, "SELECT COUNT(*) FROM jobs WHERE status = 'PROCESSING'", equals: 2, timeout: 60) == 2)
        await server.kill9()

        let restarted = try await ServerProcess(directory: dir, environment: env)
        #expect(try await QueueProcessTests.waitFor(dir, "SELECT COUNT(*) FROM jobs WHERE status = 'DONE'", equals: 2, timeout: 120) == 2)
        #expect(try await QueueProcessTests.waitFor(dir, "SELECT COUNT(*) FROM replies", equals: 2, timeout: 1) == 2)
        #expect(try await QueueProcessTests.waitFor(dir, "SELECT COUNT(DISTINCT persona_id) FROM replies", equals: 2, timeout: 1) == 2)
        #expect(try await QueueProcessTests.waitFor(dir, "SELECT COUNT(*) FROM quota_events WHERE quota_type = 'reply'", equals: 2, timeout: 1) == 2)
        #expect(await restarted.stop() == 0)
    }

    @Test func sigtermReleasesABattlesRunningRepliesAndARestartFinishesThem() async throws {
        let dir = TestDirectory()
        let env = ["MOCK_LLM_LATENCY": "8s", "WORKER_TASK_TIMEOUT": "12s", "SHUTDOWN_GRACE": "1s", "WORKER_POLL_EVERY": "200ms"]
        let server = try await ServerProcess(directory: dir, environment: env)
        let token = try await Self.signup(server, "battle-term@example.com")
        for name in ["Ada", "Linus"] {
            _ = try await server.request(
                "POST", "/personas", json: #"{"name":"\#(name)","writing_samples":["a","b","c"],"preferred_language":"en"}"#, token: token)
        }
        let room = try await Self.room(server, token: token)
        #expect(try await server.request("POST", "/rooms/\(room)/battles", json: #"{"topic":"Graceful or not?"}"#, token: token).status == 201)
        #expect(try await QueueProcessTests.waitFor(dir, "SELECT COUNT(*) FROM jobs WHERE status = 'PROCESSING'", equals: 2, timeout: 60) == 2)
        #expect(await server.stop() == 0, "SIGTERM exits cleanly within the grace period")
        #expect(
            try await QueueProcessTests.waitFor(dir, "SELECT COUNT(*) FROM jobs WHERE status = 'PENDING' AND attempts = 0", equals: 2, timeout: 1)
                == 2,
            "unfinished jobs go back to PENDING without losing an attempt")
        let restarted = try await ServerProcess(directory: dir, environment: env.merging(["MOCK_LLM_LATENCY": "0s"]) { $1 })
        #expect(try await QueueProcessTests.waitFor(dir, "SELECT COUNT(*) FROM replies", equals: 2, timeout: 60) == 2)
        #expect(await restarted.stop() == 0)
    }

    @Test func aTemplatesRulesAndWordLimitReachTheProvidersPrompt() async throws {
        let fake = FakeOpenAIServer(Array(repeating: .completion("A measured reply."), count: 4))
        try await FakeOpenAIServer.run(fake) { base in
            let dir = TestDirectory()
            let server = try await ServerProcess(
                directory: dir,
                environment: [
                    "LLM_PROVIDER": "openai", "OPENAI_BASE_URL": base,
                    "OPENAI_API_KEY": "test", "WORKER_POLL_EVERY": "200ms",
                ])
            let token = try await Self.signup(server, "rules@example.com")
            #expect(
                try await server.request(
                    "POST", "/personas", json: #"{"name":"Ada","writing_samples":["a","b","c"],"preferred_language":"en"}"#,
                    token: token
                ).status == 201)
            let template = try await server.request(
                "POST", "/templates", json: #"{"name":"Cite","prompt_rules":"Always cite one benchmark number.","turn_count":2,"word_limit":77}"#,
                token: token)
            let templateID = try #require((try JSONSerialization.jsonObject(with: Data(template.body.utf8)) as? [String: Any])?["id"] as? String)
            let room = try await Self.room(server, token: token)
            #expect(
                try await server.request(
                    "POST", "/rooms/\(room)/battles", json: #"{"topic":"Is SQLite enough?","template_id":"\#(templateID)"}"#,
                    token: token
                ).status == 201)
            #expect(try await QueueProcessTests.waitFor(dir, "SELECT COUNT(*) FROM replies", equals: 1, timeout: 60) == 1)
            let bodies = await fake.requestBodies
            #expect(bodies.contains { $0.contains("Always cite one benchmark number.") && $0.contains("77") }, "\(bodies)")
            #expect(await server.stop() == 0)
        }
    }

    @Test func forwardedForIsHonouredOnlyFromATrustedProxy() async throws {
        for trusted in [true, false] {
            let dir = TestDirectory()
            var env = ["RATE_LIMIT_PUBLIC_READ_PER_MIN": "1"]
            if trusted { env["TRUSTED_PROXIES"] = "127.0.0.1/32, ::1" }
            let server = try await ServerProcess(directory: dir, environment: env)
            var statuses: [Int] = []
            for client in ["198.51.100.7", "198.51.100.8"] {
                let (status, _) = try await Self.curl(port: server.port, path: "/templates", headers: ["X-Forwarded-For: \(client)"])
                statuses.append(status)
            }
            if trusted {
                #expect(statuses == [200, 200], "each forwarded client has its own bucket")
            } else {
                #expect(statuses == [200, 429], "forged headers from an untrusted peer share the peer's bucket")
            }
            #expect(await server.stop() == 0)
        }
    }

    /// One request with curl (headers the test's HTTP helper does not send).
    static func curl(port: Int, path: String, headers: [String]) async throws -> (Int, String) {
        var args = ["-s", "-o", "/dev/null", "-w", "%{http_code}"]
        for h in headers { args += ["-H", h] }
        args.append("http://127.0.0.1:\(port)\(path)")
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("curl-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        _ = try await ChildProcess("/usr/bin/curl", args, output: .file(outputPath)).exitStatus()
        let out = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return (Int(out) ?? -1, out)
    }
}
