import Domain
import Foundation
import Storage
import TestSupport
import Testing

/// The job queue across real processes: crash recovery and exactly-once processing with two workers.
@Suite(.serialized) struct QueueProcessTests {
    /// Starts `personaworlds <arguments>` with output to a log file.
    static func launch(_ arguments: [String], dir: TestDirectory, env: [String: String], log: String) throws -> ChildProcess {
        var environment = ProcessInfo.processInfo.environment
        for (k, v) in dir.backend.environment(dir) { environment[k] = v }
        environment["JWT_SECRET"] = "e2e-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
        for (k, v) in env { environment[k] = v }
        return try ChildProcess(ServerProcess.binaryPath, arguments, environment: environment, output: .file(log))
    }

    /// Polls `sql` (a COUNT) until it equals `expected` or `timeout` passes; returns the last value. Waiting for
    /// something to happen, pass a timeout that only bounds a hang (a loaded machine is slow, not wrong); a short one
    /// suits only a value that is already final.
    static func waitFor(_ dir: TestDirectory, _ sql: String, equals expected: Int, timeout: Double) async throws -> Int {
        let database = try await TestDatabase.open(dir)
        let deadline = Date().addingTimeInterval(timeout)
        var value = -1
        while Date() < deadline {
            value = try await database.int(sql) ?? -1
            if value == expected { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        try await database.close()
        return value
    }

    /// Seeds `personas × posts` pending reply jobs (one per pair), enqueued through the store as the API would, and
    /// returns how many there are.
    static func seedJobs(_ dir: TestDirectory, personas: Int, posts: Int) async throws -> Int {
        let now = SystemClock().now()
        let database = try await dir.backend.makeStore(in: dir, now: now)
        let ids = try await Fixtures.seed(database, personas: personas, posts: posts, now: now)
        for post in ids.posts {
            _ = try await database.enqueueReplies(
                postID: post, personaIDs: ids.personas, userID: ids.user, payloadExtra: [:], maxAttempts: 3, now: now)
        }
        try await database.close()
        return try await TestDatabase.open(dir).int("SELECT COUNT(*) FROM jobs") ?? 0
    }

    @Test func killDuringAJobLosesNothingAndWritesOneReply() async throws {
        let dir = TestDirectory()
        let env = ["MOCK_LLM_LATENCY": "5s", "WORKER_TASK_TIMEOUT": "10s", "JOB_LEASE_GRACE": "1s", "WORKER_POLL_EVERY": "200ms"]
        let server = try await ServerProcess(directory: dir, environment: env)
        let signup = try await server.request("POST", "/auth/signup", json: #"{"email":"crash-job@example.com","password":"password123"}"#)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(signup.body.utf8)) as? [String: Any])
        let token = try #require(object["token"] as? String)
        let user = try #require(object["user_id"] as? String)
        let persona = try await server.request(
            "POST", "/personas", json: #"{"name":"Ada","tone":"calm","writing_samples":["a","b","c"],"preferred_language":"en"}"#, token: token)
        #expect(persona.status == 201)
        let postID = Identifiers.newUUID()
        let database = try await server.database()
        let room = try #require(try await database.string("SELECT id FROM rooms LIMIT 1"))
        let ts = SystemClock().now().storageString
        try await database.execute(
            """
            INSERT INTO posts(id, room_id, user_id, authored_by, status, content, published_at, created_at, updated_at)
            VALUES (?, ?, ?, 'HUMAN', 'PUBLISHED', 'Will this survive a crash?', ?, ?, ?)
            """, [postID, room, user, ts, ts, ts])
        try await database.close()
        let enqueue = try await server.request("POST", "/posts/\(postID)/generate-replies", json: "{}", token: token)
        #expect(enqueue.body.contains(#""enqueued":1"#))
        // Killed as soon as the job is seen running (its mock LLM call takes 5 s): no fixed sleep that a loaded
        // machine could stretch past the end of the job.
        #expect(try await Self.waitFor(dir, "SELECT COUNT(*) FROM jobs WHERE status = 'PROCESSING'", equals: 1, timeout: 60) == 1)
        await server.kill9()
        #expect(try await Self.waitFor(dir, "SELECT COUNT(*) FROM jobs WHERE status = 'PROCESSING'", equals: 1, timeout: 1) == 1)

        let restarted = try await ServerProcess(directory: dir, environment: env)
        #expect(try await Self.waitFor(dir, "SELECT COUNT(*) FROM jobs WHERE status = 'DONE'", equals: 1, timeout: 120) == 1)
        #expect(try await Self.waitFor(dir, "SELECT COUNT(*) FROM replies", equals: 1, timeout: 1) == 1)
        #expect(try await Self.waitFor(dir, "SELECT attempts FROM jobs", equals: 1, timeout: 1) == 1, "the lost run counts as one attempt")
        #expect(await restarted.stop() == 0)
    }

    @Test func twoWorkerProcessesOfFourLoopsRunEachOf5000JobsExactlyOnce() async throws {
        let dir = TestDirectory()
        #expect(try await Self.seedJobs(dir, personas: 50, posts: 100) == 5000)

        let env = [
            "LOG_LEVEL": "info", "WORKER_CONCURRENCY": "4", "WORKER_POLL_EVERY": "100ms",
            "WORKER_OBSERVABILITY_PORT": "0",
        ] // two workers on one machine: no monitoring port to share
        let logs = [dir.path + "/worker-a.log", dir.path + "/worker-b.log"]
        let workers = try logs.map { try Self.launch(["serve", "--worker-only"], dir: dir, env: env, log: $0) }
        let done = try await Self.waitFor(dir, "SELECT COUNT(*) FROM jobs WHERE status = 'DONE'", equals: 5000, timeout: 240)
        for worker in workers { await worker.stop() }
        #expect(done == 5000)
        #expect(try await Self.waitFor(dir, "SELECT COUNT(*) FROM replies", equals: 5000, timeout: 1) == 5000)

        var starts: [String: Int] = [:]
        var perProcess: [Int] = []
        for log in logs {
            let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
            let started = lines.filter { $0.contains(#""msg":"job_started""#) }
            perProcess.append(started.count)
            for line in started {
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                    let id = object["job_id"] as? String
                else { continue }
                starts[id, default: 0] += 1
            }
        }
        #expect(starts.count == 5000)
        #expect(starts.values.allSatisfy { $0 == 1 }, "some job ran more than once")
        #expect(perProcess.allSatisfy { $0 > 0 }, "both processes should have taken work: \(perProcess)")
    }
}

/// Group commit across processes and crashes: a kill -9 while batches are committing loses no job and
/// runs none twice.
@Suite(.serialized) struct QueueBatchCrashTests {
    @Test func aKillDuringBatchedFinishesLeavesEveryJobDoneExactlyOnceAfterRestart() async throws {
        let dir = TestDirectory()
        let total = try await QueueProcessTests.seedJobs(dir, personas: 30, posts: 100)
        #expect(total == 3000)
        // No monitoring port: the default (9091) may be taken on a shared machine, and a worker that cannot bind it exits.
        let env = [
            "WORKER_CONCURRENCY": "4", "WORKER_POLL_EVERY": "100ms", "WORKER_TASK_TIMEOUT": "1s", "JOB_LEASE_GRACE": "1s",
            "WORKER_OBSERVABILITY_PORT": "0",
        ]
        let first = try QueueProcessTests.launch(["serve", "--worker-only"], dir: dir, env: env, log: dir.path + "/first.log")
        // Kill while the batches are flowing: some jobs done, most not.
        var done = 0
        let started = Date()
        while done < 300 && Date().timeIntervalSince(started) < 60 {
            done = try await QueueProcessTests.waitFor(dir, "SELECT COUNT(*) FROM jobs WHERE status = 'DONE'", equals: -2, timeout: 0.05)
        }
        await first.kill9()
        let atKill = try await QueueProcessTests.waitFor(dir, "SELECT COUNT(*) FROM jobs WHERE status = 'DONE'", equals: -2, timeout: 0.05)
        #expect(atKill > 0 && atKill < total, "the kill should land mid-run: \(atKill) of \(total) done")
        let second = try QueueProcessTests.launch(["serve", "--worker-only"], dir: dir, env: env, log: dir.path + "/second.log")
        let finished = try await QueueProcessTests.waitFor(dir, "SELECT COUNT(*) FROM jobs WHERE status = 'DONE'", equals: total, timeout: 180)
        await second.stop()
        #expect(finished == total)
        let check = try await TestDatabase.open(dir)
        let counts = (
            replies: try await check.int("SELECT COUNT(*) FROM replies") ?? -1,
            pairs: try await check.int("SELECT COUNT(DISTINCT post_id || persona_id) FROM replies") ?? -1,
            quota: try await check.int("SELECT COUNT(*) FROM quota_events WHERE quota_type = 'reply'") ?? -1,
            activity: try await check.int("SELECT COUNT(*) FROM persona_activity_events") ?? -1
        )
        #expect(counts.replies == total, "one reply per job")
        #expect(counts.pairs == total)
        #expect(counts.quota == total, "one quota charge per job: a rolled-back batch charged nothing")
        #expect(counts.activity == 2 * total)
    }
}
