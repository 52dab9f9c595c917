import Domain
import Foundation
import Storage
import TestSupport
import Testing

/// Two `serve --worker-only` processes on one database file write each digest exactly once between them.
@Suite(.serialized) struct DigestProcessTests {
    @Test func twoWorkerProcessesWriteEachDigestOnce() async throws {
        let dir = TestDirectory()
        let database = try await dir.backend.makeStore(in: dir)
        let ids = try await Fixtures.seed(database, personas: 40, posts: 1, now: SystemClock().now())
        try await database.close()
        let rows = try await TestDatabase.open(dir)
        let ts = SystemClock().now().storageString
        for persona in ids.personas {
            try await rows.execute(
                "INSERT INTO persona_activity_events(persona_id, type, metadata, created_at) VALUES (?, 'post_created', '{}', ?)", [persona, ts])
        }
        try await rows.close()
        let env = ["LOG_LEVEL": "info", "WORKER_POLL_EVERY": "100ms", "WORKER_OBSERVABILITY_PORT": "0"]
        let logs = [dir.path + "/digest-a.log", dir.path + "/digest-b.log"]
        let workers = try logs.map { try QueueProcessTests.launch(["serve", "--worker-only"], dir: dir, env: env, log: $0) }
        let daily = try await QueueProcessTests.waitFor(dir, "SELECT COUNT(*) FROM persona_digests", equals: 40, timeout: 60)
        let weekly = try await QueueProcessTests.waitFor(dir, "SELECT COUNT(*) FROM weekly_digests", equals: 1, timeout: 60)
        try await Task.sleep(nanoseconds: 2_500_000_000) // two more passes (at most one a second), which must write nothing
        for worker in workers { await worker.stop() }
        #expect(daily == 40 && weekly == 1)
        var writes: [String: Int] = [:]
        for log in logs {
            for line in try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n") where line.contains(#""msg":"digest_written""#) {
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { continue }
                writes["\(object["kind"] ?? "")/\(object["subject"] ?? "")/\(object["period"] ?? "")", default: 0] += 1
            }
        }
        #expect(writes.count == 41, "40 daily digests and one weekly: \(writes.count)")
        #expect(writes.values.allSatisfy { $0 == 1 }, "a digest was written twice: \(writes.filter { $0.value > 1 })")
    }
}
