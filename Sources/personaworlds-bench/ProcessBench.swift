import Domain
import Foundation
import GRDB
import SQLiteStorage
import Storage

/// Worker processes on one database file: the time for one, then two, `serve --worker-only` processes
/// (the real binary, `BENCH_SERVER_BIN`) to finish the same number of reply jobs with the mock LLM at
/// no latency. Two processes on one file should be at least as fast as one.
///
/// Why rounds: on a shared 2-core machine one pair of runs moves by ±20 % with whatever else runs, so the
/// one- and two-process runs alternate (`BENCH_PROC_ROUNDS` pairs, 3 by default, the order swapped every
/// other round so neither always runs first) and the ratio is of the medians. The processes' CPU time per
/// job (user + system, from their rusage) is printed beside each rate: it says whether two processes spend
/// more work per job (lock waits, retries) or only wait longer.
func benchmarkWorkerProcesses(binary: String, jobs: Int) async throws {
    let rounds = max(1, Int(ProcessInfo.processInfo.environment["BENCH_PROC_ROUNDS"] ?? "") ?? 3)
    var rates: [Int: [Double]] = [1: [], 2: []]
    for round in 0..<rounds {
        for processes in round % 2 == 0 ? [1, 2] : [2, 1] {
            let run = try await workerProcessRun(binary: binary, jobs: jobs, processes: processes, label: "procs-\(processes)-\(round)")
            rates[processes]!.append(run.rate)
            print(
                String(
                    format:
                        "bench: %d × serve --worker-only (4 loops each) on one file, round %d: %8.0f jobs/s (%d of %d jobs in %.2f s, incl. start-up), CPU %.0f µs/job",
                    processes, round + 1, run.rate, run.done, run.total, run.seconds, run.cpuMicrosPerJob))
        }
    }
    let one = percentile(rates[1]!, 0.5)
    let two = percentile(rates[2]!, 0.5)
    let ratio = two / max(1, one)
    print(
        String(
            format: "bench: two worker processes / one = %.2f (medians of %d rounds: %.0f vs %.0f jobs/s; target >= 1.00: %@)", ratio,
            rounds, two, one, ratio >= 1 ? "met" : "MISSED"))
}

private struct WorkerProcessRun {
    let rate: Double
    let done: Int
    let total: Int
    let seconds: Double
    let cpuMicrosPerJob: Double
}

/// One run: a fresh file with `jobs` pending reply jobs, `processes` workers started together, timed until every job
/// is DONE (or 300 s), then stopped; their CPU time is read from the kernel's child accounting.
private func workerProcessRun(binary: String, jobs: Int, processes: Int, label: String) async throws -> WorkerProcessRun {
    let (db, path) = try fresh(label)
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
    let cpuBefore = childrenCPUSeconds()
    let start = Monotonic.nanos()
    let workers = try (0..<processes).map { _ in try launchWorkerNode(binary: binary, environment: ["DATABASE_PATH": path]) }
    var done = 0
    let seconds = try await waitUntilDrained(total: total, start: start) {
        done = try await queue.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM jobs WHERE status = 'DONE'") ?? 0 }
        return total - done
    }
    for worker in workers {
        worker.terminate()
        worker.waitUntilExit()
    }
    let cpu = childrenCPUSeconds() - cpuBefore
    try queue.close()
    return WorkerProcessRun(
        rate: Double(done) / seconds, done: done, total: total, seconds: seconds, cpuMicrosPerJob: cpu * 1e6 / Double(max(1, done)))
}

/// User + system seconds of this process's waited-for children (the worker processes once they have exited).
func childrenCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
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
