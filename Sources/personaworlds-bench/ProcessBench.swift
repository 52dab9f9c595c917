import Domain
import Foundation
import GRDB
import SQLiteStorage
import Storage

/// Worker processes on one database file: the time for one, then two, `serve --worker-only` processes
/// (the real binary, `BENCH_SERVER_BIN`) to finish the same number of reply jobs with the mock LLM at
/// no latency. Two processes on one file should be at least as fast as one.
func benchmarkWorkerProcesses(binary: String, jobs: Int) async throws {
    var rates: [Int: Double] = [:]
    for processes in [1, 2] {
        let (db, path) = try fresh("procs-\(processes)")
        let ids = try await db.seedSyntheticLoad(personas: 50, posts: max(1, jobs / 50), replyQuota: 1_000_000, now: SystemClock().now())
        try await db.close()
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO jobs(job_type, post_id, persona_id, payload, status, attempts, available_at, created_at, updated_at)
                    SELECT 'generate_reply', p.id, pe.id, json_object('post_id', p.id, 'persona_id', pe.id), 'PENDING', 0,
                           '2000-01-01T00:00:00.000000Z', '2000-01-01T00:00:00.000000Z', '2000-01-01T00:00:00.000000Z'
                    FROM posts p CROSS JOIN personas pe WHERE pe.user_id = ?
                    """, arguments: [ids.user])
        }
        let total = try await queue.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM jobs") ?? 0 }
        let start = Monotonic.nanos()
        let workers = try (0..<processes).map { _ in try launchWorkerNode(binary: binary, environment: ["DATABASE_PATH": path]) }
        var done = 0
        while done < total {
            try await Task.sleep(nanoseconds: 20_000_000)
            done = try await queue.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM jobs WHERE status = 'DONE'") ?? 0 }
            if Double(Monotonic.nanos() - start) / 1e9 > 300 { break }
        }
        let seconds = Double(Monotonic.nanos() - start) / 1e9
        for worker in workers {
            worker.terminate()
            worker.waitUntilExit()
        }
        try queue.close()
        rates[processes] = Double(done) / seconds
        print(
            String(
                format: "bench: %d × serve --worker-only (4 loops each) on one file: %8.0f jobs/s (%d of %d jobs in %.2f s, incl. start-up)",
                processes, rates[processes]!, done, total, seconds))
    }
    let ratio = (rates[2] ?? 0) / max(1, rates[1] ?? 1)
    print(String(format: "bench: two worker processes / one = %.2f  (target >= 1.00: %@)", ratio, ratio >= 1 ? "met" : "MISSED"))
}

/// A `serve --worker-only` process of `binary` (4 loops, mock LLM at no latency, output discarded) on the database
/// `environment` names (`DATABASE_PATH` or `DATABASE_URL`).
func launchWorkerNode(binary: String, environment: [String: String]) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = ["serve", "--worker-only"]
    process.environment = [
        "JWT_SECRET": "bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
        "LOG_LEVEL": "warning", "WORKER_CONCURRENCY": "4", "WORKER_POLL_EVERY": "50ms", "MOCK_LLM_LATENCY": "0s",
        "WORKER_OBSERVABILITY_PORT": "0", "PATH": "/usr/bin:/bin",
    ].merging(environment) { $1 }
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    return process
}
