import Domain
import Foundation
import TestSupport
import Testing

/// Several nodes on one PostgreSQL database, on the real binary: two `serve --no-worker` front ends and `serve
/// --worker-only` nodes. Every job runs once, a rate limit holds across front ends, a NOTIFY wakes a worker on another
/// node, and a worker killed mid-run loses nothing.
@Suite(
    .serialized,
    .enabled(if: StoreBackend.postgres.isAvailable, "PostgreSQL binaries are absent (scripts/deps.sh test installs postgresql)"))
struct MultiNodeProcessTests {
    /// A worker node: no monitoring port (several share the machine), job lines in its log.
    static func worker(_ dir: TestDirectory, _ name: String, env: [String: String]) throws -> (process: ChildProcess, log: String) {
        let log = dir.path + "/\(name).log"
        let base = ["LOG_LEVEL": "info", "WORKER_OBSERVABILITY_PORT": "0"]
        return (try QueueProcessTests.launch(["serve", "--worker-only"], dir: dir, env: base.merging(env) { $1 }, log: log), log)
    }

    /// A test directory on its own database of the test cluster (every node started on it shares that database).
    static func postgresDirectory() async throws -> TestDirectory {
        let dir = TestDirectory(backend: .postgres)
        try await dir.backend.prepare(dir)
        return dir
    }

    /// A front end: HTTP only.
    static func frontEnd(_ dir: TestDirectory, env: [String: String] = [:]) async throws -> ServerProcess {
        try await ServerProcess(directory: dir, environment: env, arguments: ["serve", "--no-worker"])
    }

    /// The job ids of a worker log's lines with message `msg`.
    static func jobIDs(_ log: String, _ msg: String) -> [String] {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard line.contains(#""msg":"\#(msg)""#),
                let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            else { return nil }
            return object["job_id"].map { "\($0)" }
        }
    }

    /// A user with `personas` personas, made through `server`; returns the token.
    static func user(_ server: ServerProcess, _ email: String, personas: Int) async throws -> String {
        let token = try await BattleProcessTests.signup(server, email)
        for i in 0..<personas {
            let r = try await server.request(
                "POST", "/personas", json: #"{"name":"P\#(i)","writing_samples":["a","b","c"],"preferred_language":"en"}"#, token: token)
            #expect(r.status == 201)
        }
        return token
    }

    @Test func battlesThroughTwoFrontEndsRunOnceOnTwoWorkersAndAKilledWorkerLosesNothing() async throws {
        let dir = try await Self.postgresDirectory()
        let front = ["RATE_LIMIT_BATTLE_CREATE_PER_MIN": "1000"]
        let (a, b) = (try await Self.frontEnd(dir, env: front), try await Self.frontEnd(dir, env: front))
        // Lease = task timeout + grace = 3 s: the killed node's jobs pass to the other node 3 s after their claim.
        let env = [
            "WORKER_CONCURRENCY": "2", "WORKER_POLL_EVERY": "200ms", "MOCK_LLM_LATENCY": "1s", "WORKER_TASK_TIMEOUT": "2s",
            "JOB_LEASE_GRACE": "1s",
        ]
        let (w1, w2) = (try Self.worker(dir, "worker-1", env: env), try Self.worker(dir, "worker-2", env: env))
        defer {
            for p in [w1.process, w2.process] where p.isRunning { kill(p.pid, SIGKILL) }
        }
        let (tokenA, tokenB) = (try await Self.user(a, "node-a@example.com", personas: 2), try await Self.user(b, "node-b@example.com", personas: 2))
        let room = try await BattleProcessTests.room(a, token: tokenA)
        let battles = 6
        for i in 0..<battles {
            for (server, token) in [(a, tokenA), (b, tokenB)] {
                let r = try await server.request("POST", "/rooms/\(room)/battles", json: #"{"topic":"Battle \#(i)"}"#, token: token)
                #expect(r.status == 201 && r.body.contains(#""enqueued_replies":2"#), "\(r.status) \(r.body)")
            }
        }
        let total = battles * 2 * 2

        // Kill worker 1 at a moment it provably holds a job: frozen (SIGSTOP, every thread stopped, so it finishes
        // nothing more), its log names the job started and not completed, and the job's row is still PROCESSING. The
        // log alone is not enough: it lags the commits (a thread drains it), and a test process starved for a second
        // on a busy machine would otherwise kill a node that had just finished all it held. Wait until it has also
        // finished one: a kill at its very first claims leaves it nothing of its own to show.
        var held: Set<String> = []
        var processingAtKill: Set<String> = []
        let checkRows = try await TestDatabase.open(dir)
        let caught = try await eventually(timeout: 30, every: 0.05) {
            guard !Self.jobIDs(w1.log, "job_completed").isEmpty else { return false }
            #expect(await w1.process.freeze(), "worker 1 stopped")
            let logged = Set(Self.jobIDs(w1.log, "job_started")).subtracting(Self.jobIDs(w1.log, "job_completed"))
            // Jobs the live node holds are PROCESSING too (they run once); the killed node's claims whose start line
            // never reached the log are in this set only.
            processingAtKill = Set(try await checkRows.strings("SELECT id::text FROM jobs WHERE status = 'PROCESSING'"))
            held = logged.intersection(processingAtKill)
            if held.isEmpty { w1.process.thaw() }
            return !held.isEmpty
        }
        try await checkRows.close()
        #expect(caught, "worker 1 never held a job after finishing one")
        await w1.process.kill9()
        let heldAtKill = Set(Self.jobIDs(w1.log, "job_started")).subtracting(Self.jobIDs(w1.log, "job_completed"))

        let done = try await QueueProcessTests.waitFor(dir, "SELECT COUNT(*) FROM jobs WHERE status = 'DONE'", equals: total, timeout: 60)
        await w2.process.stop()
        #expect(done == total)
        let db = try await TestDatabase.open(dir)
        #expect(try await db.int("SELECT COUNT(*) FROM jobs") == total)
        #expect(try await db.int("SELECT COUNT(*) FROM replies") == total, "one reply per job")
        #expect(try await db.int("SELECT COUNT(DISTINCT (post_id, persona_id)) FROM replies") == total)
        #expect(try await db.int("SELECT COUNT(*) FROM quota_events WHERE quota_type = 'reply'") == total, "one quota charge per job")
        let attempts = try await db.rows("SELECT id::text AS id, attempts::text AS attempts FROM jobs")
        try await db.close()

        // Each job started once, except the ones worker 1 held when it died: those started again on worker 2.
        let starts1 = Self.jobIDs(w1.log, "job_started")
        let starts2 = Self.jobIDs(w2.log, "job_started")
        var starts: [String: Int] = [:]
        for id in starts1 + starts2 { starts[id, default: 0] += 1 }
        #expect(starts.count == total, "every job started")
        #expect(starts.filter { $0.value > 1 }.keys.allSatisfy(heldAtKill.contains), "only the killed node's jobs ran twice")
        #expect(!Set(starts1).subtracting(heldAtKill).isEmpty && !starts2.isEmpty, "both workers took work")
        let attemptsByJob = Dictionary(uniqueKeysWithValues: attempts.map { ($0["id"]!!, Int($0["attempts"]!!) ?? -1) })
        // The log is not the commit: a node writes `job_completed` after its DONE commits, through a buffer a thread
        // drains, so SIGKILL can take the line of a job that did finish on the killed node. Such a job ran once, there:
        // the other node never started it and it lost no attempt. A job the killed node still held was taken over: the
        // other node started it, and the lost run counts as one attempt.
        let notTakenOver = held.filter { attemptsByJob[$0] != 1 || !starts2.contains($0) }
        #expect(notTakenOver.isEmpty, "the killed node's leased jobs finished on the other node: not \(notTakenOver) of \(held)")
        let finishedBeforeTheKill = heldAtKill.subtracting(starts2)
        #expect(
            finishedBeforeTheKill.allSatisfy { attemptsByJob[$0] == 0 },
            "a held job the other node never started finished on the killed node: \(finishedBeforeTheKill)")
        // `attempts` counts failed runs: none for a job that ran once, at most the lost run for a job the dead node held
        // (logged as started there, or leased when it died).
        for (id, count) in attemptsByJob {
            let mayHaveLostARun = heldAtKill.contains(id) || processingAtKill.contains(id)
            #expect(count <= (mayHaveLostARun ? 1 : 0), "job \(id) has \(count) failed attempts")
        }
        let (stoppedA, stoppedB) = (await a.stop(), await b.stop())
        #expect(stoppedA == 0 && stoppedB == 0)
    }

    @Test func aSignupLimitIsExactAcrossTwoFrontEnds() async throws {
        let dir = try await Self.postgresDirectory()
        // An hourly limit earns its next token after 12 minutes, so no refill can land during the test.
        let limit = 5
        let env = ["RATE_LIMIT_SIGNUP_PER_HOUR": String(limit)]
        let servers = [try await Self.frontEnd(dir, env: env), try await Self.frontEnd(dir, env: env)]
        let attempts = 16
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<attempts {
                let server = servers[i % 2]
                group.addTask {
                    try await server.request("POST", "/auth/signup", json: #"{"email":"limit-\#(i)@example.com","password":"password123"}"#).status
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.filter { (200..<300).contains($0) }.count == limit, "\(statuses)")
        #expect(statuses.filter { $0 == 429 }.count == attempts - limit, "\(statuses)")
        let db = try await TestDatabase.open(dir)
        #expect(try await db.int("SELECT COUNT(*) FROM users") == limit)
        #expect(try await db.int("SELECT COUNT(*) FROM rate_limit_buckets WHERE key LIKE 'signup:%'") == 1, "one shared bucket")
        try await db.close()
        for server in servers { #expect(await server.stop() == 0) }
    }

    @Test func aReplyEnqueuedOnOneFrontEndWakesAWorkerOnAnotherNodeThroughNotify() async throws {
        let dir = try await Self.postgresDirectory()
        let front = try await Self.frontEnd(dir, env: ["RATE_LIMIT_BATTLE_CREATE_PER_MIN": "1000"])
        // Polling is effectively off (once an hour), so only the notification can wake the worker.
        let w = try Self.worker(dir, "worker", env: ["WORKER_POLL_EVERY": "1h", "WORKER_CONCURRENCY": "2", "MOCK_LLM_LATENCY": "0s"])
        defer { if w.process.isRunning { kill(w.process.pid, SIGKILL) } }
        #expect(
            try await eventually(timeout: 30, every: 0.05) {
                let log = (try? String(contentsOfFile: w.log, encoding: .utf8)) ?? ""
                return log.contains(#""msg":"listening""#) && log.contains("personaworlds_jobs")
            }, "the worker never listened")
        let token = try await Self.user(front, "notify@example.com", personas: 1)
        let room = try await BattleProcessTests.room(front, token: token)
        let db = try await TestDatabase.open(dir)
        var latencies: [Double] = []
        for i in 0..<5 {
            let r = try await front.request("POST", "/rooms/\(room)/battles", json: #"{"topic":"Wake \#(i)"}"#, token: token)
            let answered = Date()
            #expect(r.status == 201)
            // Generous: a notification arrives in milliseconds; the next poll would be an hour away.
            let picked = try await eventually(timeout: 10, every: 0.002) {
                let pending = try await db.int("SELECT COUNT(*) FROM jobs WHERE status = 'PENDING'")
                let jobs = try await db.int("SELECT COUNT(*) FROM jobs")
                return pending == 0 && jobs == i + 1
            }
            latencies.append(Date().timeIntervalSince(answered) * 1000)
            #expect(picked, "job \(i) was not picked up")
        }
        try await db.close()
        print("notify wake-up (battle answered → job claimed, 2 ms checks) ms: \(latencies.map { Int($0) })")
        #expect(await w.process.stop() == 0)
        #expect(await front.stop() == 0)
    }
}
