import Domain
import Foundation
import Storage
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `serve --worker-only` with `WORKER_OBSERVABILITY_PORT`: health and metrics of a process without the API.
@Suite(.serialized) struct WorkerObservabilityTests {
    @Test func workerOnlyServesHealthzAndMetricsWithItsJobsOnTheObservabilityPort() async throws {
        let dir = TestDirectory()
        let database = try await dir.backend.makeStore(in: dir)
        let ids = try await Fixtures.seed(database, personas: 1, posts: 1, now: SystemClock().now())
        try await database.close()
        let rows = try await TestDatabase.open(dir)
        try await rows.execute(
            """
            INSERT INTO jobs(job_type, post_id, persona_id, payload, status, attempts, available_at, created_at, updated_at)
            VALUES ('generate_reply', ?, ?, ?, 'PENDING', 0,
                    '2000-01-01T00:00:00.000000Z', '2000-01-01T00:00:00.000000Z', '2000-01-01T00:00:00.000000Z')
            """, [ids.posts[0], ids.personas[0], StoredJSON.object(["post_id": ids.posts[0], "persona_id": ids.personas[0]])])
        try await rows.close()

        let port = ServerProcess.freePort()
        let worker = try await ServerProcess(
            directory: dir, environment: ["WORKER_OBSERVABILITY_PORT": String(port), "WORKER_POLL_EVERY": "100ms"],
            port: port, arguments: ["serve", "--worker-only"])
        let health = try await worker.request("GET", "/healthz")
        #expect(health.status == 200)
        #expect(health.body == "{\"ok\":true}\n")
        #expect(try await worker.request("GET", "/readyz").status == 200)
        #expect(try await worker.request("GET", "/rooms").status == 404, "only the operations routes are on this port")

        let done = #"jobs_processed_total{status="done",type="generate_reply"} 1"#
        var metrics = ""
        // The job runs in the background: wait for its metric, however long a loaded machine takes.
        _ = try await eventually(every: 0.1) {
            metrics = try await worker.request("GET", "/metrics").body
            return metrics.contains(done)
        }
        #expect(metrics.contains(done), "the worker's job metric is missing:\n\(metrics.prefix(2000))")
        #expect(metrics.contains(#"queue_depth{type="generate_reply"} 0"#))
        #expect(metrics.contains("backup_failures_total 0"), "the worker takes the scheduled backups")
        // Created at 0 when the worker starts, so the alerts' increase() counts the first failure and retry.
        #expect(metrics.contains(#"jobs_processed_total{status="failed",type="generate_reply"} 0"#))
        #expect(metrics.contains(#"job_retries_total{type="generate_reply"} 0"#))
        #expect(await worker.stop() == 0)
    }

    @Test func portZeroServesNothing() async throws {
        let dir = TestDirectory()
        let port = ServerProcess.freePort()
        let process = try QueueProcessTests.launch(
            ["serve", "--worker-only"], dir: dir, env: ["WORKER_OBSERVABILITY_PORT": "0", "PORT": String(port)],
            log: dir.path + "/worker.log")
        try await Task.sleep(nanoseconds: 2_000_000_000)
        #expect(process.isRunning, "the worker must run without a monitoring port")
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/healthz")!)
        request.timeoutInterval = 2
        await #expect(throws: (any Error).self) { _ = try await URLSession.shared.data(for: request) }
        #expect(await process.stop() == 0)
    }

    @Test(arguments: [["serve", "--worker-only"], ["serve"]])
    func aTakenPortMakesTheProcessExitWithStatus1(arguments: [String]) async throws {
        let dir = TestDirectory()
        let blocker = try await ServerProcess(directory: dir)
        let process = try QueueProcessTests.launch(
            arguments, dir: dir,
            env: [
                "WORKER_OBSERVABILITY_PORT": String(blocker.port),
                "PORT": String(blocker.port), "BIND_ADDRESS": "127.0.0.1",
            ],
            log: dir.path + "/second.log")
        // The deadline only bounds a hang: a process that exits on the refused port does so within moments.
        _ = try await eventually { !process.isRunning }
        let hung = process.isRunning
        if hung { await process.kill9() }
        #expect(!hung, "the process hung after its port was refused")
        #expect(await process.stop() == 1)
        let log = try String(contentsOfFile: dir.path + "/second.log", encoding: .utf8)
        #expect(log.contains("startup_failed") && log.contains("Address already in use"), "\(log.suffix(600))")
        #expect(await blocker.stop() == 0)
    }
}
