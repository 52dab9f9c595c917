import Domain
import Foundation
import Storage
import TestSupport
import Testing

@testable import PostgresStorage

/// The enqueue's count of a persona's queued jobs (`ReplyCandidates`, under `ActiveJob.condition`) reads the persona's
/// active jobs through `idx_jobs_persona_status`, not every job it ever had nor every failed job of the table: finished
/// jobs stay in `jobs` until they are pruned, and each enqueue counts twice. With the condition spelt as an `OR` of two
/// status tests, the index scan PostgreSQL chose during a queue benchmark matched the persona alone and filtered every
/// job the persona ever had.
@Suite(.timeLimit(.minutes(5))) struct PostgresQueuedCountTests {
    static let now = Timestamp(microseconds: 1_800_000_000_123_456)

    @Test func theQueuedCountReadsThePersonasActiveJobsAndNoneOfItsFinishedOnes() async throws {
        try await PostgresCluster.shared().withStore { store, _ in
            let load = try await store.seedSyntheticLoad(personas: 50, posts: 1, replyQuota: 1000, now: Self.now)
            let post = try #require(UUID(uuidString: load.posts[0]))
            let persona = try #require(UUID(uuidString: load.personas[0]))
            let others = load.personas.dropFirst().compactMap(UUID.init(uuidString:))
            let user = try #require(UUID(uuidString: load.user))
            let first = try await store.enqueueReplies(
                postID: load.posts[0], personaIDs: [load.personas[0]], userID: load.user, payloadExtra: [:], maxAttempts: 5, now: Self.now)
            #expect(first.enqueued == 1)
            // The persona's finished jobs, and the other personas' jobs that failed for good.
            let finished = 3000
            let (candidates, plan) = try await store.write { db in
                try await db.execute(
                    """
                    INSERT INTO jobs(job_type, post_id, persona_id, payload, status, attempts, available_at, created_at, updated_at)
                    SELECT \(unescaped: JobKind.generateReply.sql), \(post), \(persona), '{}', 'DONE', 1, \(Self.now), \(Self.now), \(Self.now)
                    FROM generate_series(1, \(finished))
                    """)
                try await db.execute(
                    """
                    INSERT INTO jobs(job_type, post_id, persona_id, payload, status, attempts, available_at, created_at, updated_at)
                    SELECT \(unescaped: JobKind.generateReply.sql), \(post), (\(others))[1 + n % \(others.count)], '{}', 'FAILED', 5,
                      \(Self.now), \(Self.now), \(Self.now)
                    FROM generate_series(1, \(finished)) n
                    """)
                try await db.execute("ANALYZE jobs")
                // The enqueue left a reservation that would spare this statement the count it is here to show.
                try await db.execute("DELETE FROM reply_reservations")
                // The plain index scan, as PostgreSQL chose it under a running queue's statistics; with fresh ones and
                // these rows it can also answer the OR with a bitmap of two index scans, which reads no finished job.
                try await db.execute("SET LOCAL enable_bitmapscan = off")
                let candidates = try await db.prepared(
                    ReplyCandidates(postID: post, personaIDs: [persona], userID: user, now: Self.now, maxAttempts: 5))
                return (candidates, try await Self.plan(db, post: post, persona: persona, user: user, maxAttempts: 5))
            }
            #expect(candidates.map(\.queued) == [1], "the pending job is counted, the finished ones are not")
            let removed = plan.compactMap { line in
                line.range(of: "Rows Removed by Filter: ").flatMap { Int(line[$0.upperBound...].trimmingCharacters(in: .whitespaces)) }
            }
            #expect(
                removed.reduce(0, +) < finished / 10,
                "the count read the persona's finished jobs:\n\(plan.joined(separator: "\n"))")
        }
    }

    /// With a reservation of today and the same maximum of attempts, under the quota, the enqueue knows the persona
    /// has room without reading its queued jobs; under another maximum the reservation says nothing, and they are read.
    @Test func aReservationOfTheSameDayAndMaximumSparesTheEnqueueReadingTheQueuedJobs() async throws {
        try await PostgresCluster.shared().withStore { store, _ in
            let (persona, user, post) = try await Self.personaWithQueuedJobs(2, store)
            for maxAttempts in [5, 4] {
                let (candidates, plan) = try await store.write { db in
                    let candidates = try await db.prepared(
                        ReplyCandidates(postID: post, personaIDs: [persona], userID: user, now: Self.now, maxAttempts: maxAttempts))
                    return (candidates, try await Self.plan(db, post: post, persona: persona, user: user, maxAttempts: maxAttempts))
                }
                #expect(candidates.map(\.queued) == [2], "maximum \(maxAttempts)")
                #expect(Self.readsOfJobs(plan) == (maxAttempts == 5 ? 1 : 2), "maximum \(maxAttempts):\n\(plan.joined(separator: "\n"))")
            }
        }
    }

    /// A reservation below the replies already written bounds nothing (it can only come from clocks that disagree at
    /// midnight): the jobs are counted.
    @Test func aReservationBelowTheRepliesWrittenIsNotUsed() async throws {
        try await PostgresCluster.shared().withStore { store, _ in
            let (persona, user, post) = try await Self.personaWithQueuedJobs(1, store)
            let (candidates, plan) = try await store.write { db in
                try await db.execute(
                    """
                    INSERT INTO quota_counters(persona_id, quota_type, day, used) VALUES (\(persona), 'reply', \(SQLDate(DailyQuota.dayKey(Self.now))), 2)
                    """)
                let candidates = try await db.prepared(
                    ReplyCandidates(postID: post, personaIDs: [persona], userID: user, now: Self.now, maxAttempts: 5))
                return (candidates, try await Self.plan(db, post: post, persona: persona, user: user, maxAttempts: 5))
            }
            #expect(candidates.map(\.queued) == [1], "the one queued job, counted")
            #expect(Self.readsOfJobs(plan) == 2, "\(plan.joined(separator: "\n"))")
        }
    }

    /// A persona (reply quota 1,000) with `queued` reply jobs enqueued (maximum of attempts 5), and a post it has none for.
    static func personaWithQueuedJobs(_ queued: Int, _ store: PostgresStore) async throws -> (persona: UUID, user: UUID, post: UUID) {
        let load = try await store.seedSyntheticLoad(personas: 1, posts: queued + 1, replyQuota: 1000, now: Self.now)
        for post in load.posts.prefix(queued) {
            let result = try await store.enqueueReplies(
                postID: post, personaIDs: load.personas, userID: load.user, payloadExtra: [:], maxAttempts: 5, now: Self.now)
            #expect(result.enqueued == 1)
        }
        return (
            try #require(UUID(uuidString: load.personas[0])), try #require(UUID(uuidString: load.user)),
            try #require(UUID(uuidString: load.posts[queued]))
        )
    }

    /// How many of the plan's reads of `jobs` ran. `ReplyCandidates` reads it twice: the pair's active job (always), and
    /// the count of the persona's queued jobs.
    static func readsOfJobs(_ plan: [String]) -> Int { plan.filter { $0.contains(" on jobs") && !$0.contains("never executed") }.count }

    /// `ReplyCandidates` run under EXPLAIN ANALYZE, with its parameters written in, as the enqueue runs it.
    static func plan(_ db: Connection, post: UUID, persona: UUID, user: UUID, maxAttempts: Int) async throws -> [String] {
        let literal = [
            ("$1", "'\(post.uuidString)'::uuid"), ("$2", "ARRAY['\(persona.uuidString)']::uuid[]"),
            ("$3", "'\(user.uuidString)'::uuid"), ("$4", "'\(DailyQuota.dayKey(Self.now))'::date"), ("$5", "\(maxAttempts)"),
        ].reduce(ReplyCandidates.sql) { sql, binding in sql.replacingOccurrences(of: binding.0, with: binding.1) }
        return try await db.column("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) \(unescaped: literal)", as: String.self)
    }
}
