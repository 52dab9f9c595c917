import Domain
import Foundation
import Storage
import TestSupport
import Testing

@testable import PostgresStorage

/// The group commit runs the queue's prepared statements on their generic plans (`PostgresStore.genericPlans`): the
/// claim's statements were planned again on most executions, which cost PostgreSQL a tenth of its CPU for the queue.
/// Only the group commit's transactions are changed, and the generic plans of the claim's two statements read the jobs
/// through the indexes their custom plans use, with a backlog of finished jobs in the table.
@Suite(.timeLimit(.minutes(5))) struct PostgresGenericPlanTests {
    static let now = Timestamp(microseconds: 1_800_000_000_123_456)

    /// A table as a queue leaves it: 5,000 finished jobs of `post`, then `ANALYZE`, so that the statistics describe
    /// finished jobs and few or none that wait.
    static func analyzeAfterFinishedJobs(_ db: Connection, post: UUID, personas: [UUID]) async throws {
        try await db.execute(
            """
            INSERT INTO jobs(job_type, post_id, persona_id, payload, status, attempts, available_at, created_at, updated_at)
            SELECT \(unescaped: JobKind.generateReply.sql), \(post), (\(personas))[1 + n % \(personas.count)], '{}', 'DONE', 1,
              \(now), \(now), \(now)
            FROM generate_series(1, 5000) n
            """)
        try await db.execute("ANALYZE jobs")
    }

    @Test func theGroupCommitsTransactionsUseGenericPlansAndTheirConnectionGoesBackAsItWas() async throws {
        // One pooled connection, so the statement after the batch runs on the connection the batch used.
        try await PostgresCluster.shared().withStore(poolSize: 1) { store, _ in
            let inBatch = try await store.batchedWrite { db in
                try await db.value("SELECT current_setting('plan_cache_mode')", as: String.self)
            }
            let after = try await store.quick { db in try await db.value("SELECT current_setting('plan_cache_mode')", as: String.self) }
            let plain = try await store.write { db in try await db.value("SELECT current_setting('plan_cache_mode')", as: String.self) }
            #expect(inBatch == "force_generic_plan")
            #expect(after == "auto", "SET LOCAL ended with the batch's transaction")
            #expect(plain == "auto", "other write transactions choose their plans as PostgreSQL does")
        }
    }

    @Test func theClaimsGenericPlansSearchThePickIndexAndTheJobsPrimaryKey() async throws {
        try await PostgresCluster.shared().withStore { store, _ in
            let load = try await store.seedSyntheticLoad(personas: 50, posts: 1, replyQuota: 1000, now: Self.now)
            let enqueued = try await store.enqueueReplies(
                postID: load.posts[0], personaIDs: load.personas, userID: load.user, payloadExtra: [:], maxAttempts: 5, now: Self.now)
            #expect(enqueued.enqueued == 50)
            let post = try #require(UUID(uuidString: load.posts[0]))
            let personas = load.personas.compactMap(UUID.init(uuidString:))
            let plans = try await store.write { db in
                try await Self.analyzeAfterFinishedJobs(db, post: post, personas: personas)
                try await db.execute(PostgresStore.genericPlans)
                try await db.execute("PREPARE pick_probe(timestamptz, int, int) AS \(unescaped: PickJobs.sql)")
                try await db.execute("PREPARE claim_probe(timestamptz, int, int8[], date) AS \(unescaped: ClaimJobsWithContext.sql)")
                let at = "'2027-01-15 08:00:00+00'::timestamptz"
                let pick = try await db.column(
                    "EXPLAIN (COSTS OFF) EXECUTE pick_probe(\(unescaped: at), 5, 30)", as: String.self)
                let claim = try await db.column(
                    "EXPLAIN (COSTS OFF) EXECUTE claim_probe(\(unescaped: at), 5, ARRAY[1, 2, 3]::int8[], '2027-01-15')", as: String.self)
                return (pick.joined(separator: "\n"), claim.joined(separator: "\n"))
            }
            // `$1` in the plan: it is the generic one, planned without the parameters' values.
            #expect(plans.0.contains("idx_jobs_active_pick") && plans.0.contains("$1"), "the pick's generic plan:\n\(plans.0)")
            #expect(!plans.0.contains("Seq Scan on jobs"), "the pick's generic plan:\n\(plans.0)")
            #expect(plans.1.contains("jobs_pkey") && plans.1.contains("$3"), "the claim's generic plan:\n\(plans.1)")
            #expect(!plans.1.contains("Seq Scan on jobs"), "the claim's generic plan:\n\(plans.1)")
        }
    }

    /// A burst after a quiet spell: the statistics describe a queue of finished jobs, and thousands of runnable ones
    /// arrive before autovacuum analyses the table again. The claim's pick still walks the pick index in order and
    /// stops after the jobs it takes; planned with a sort, it read and sorted the whole backlog on every claim.
    @Test func theClaimsPickReadsOnlyTheHeadOfABacklogTheStatisticsHaveNotSeen() async throws {
        try await PostgresCluster.shared().withStore { store, _ in
            let load = try await store.seedSyntheticLoad(personas: 50, posts: 60, replyQuota: 1000, now: Self.now)
            let post = try #require(UUID(uuidString: load.posts[0]))
            let personas = load.personas.compactMap(UUID.init(uuidString:))
            let posts = load.posts.compactMap(UUID.init(uuidString:))
            let backlog = try await store.write { db -> Int in
                try await Self.analyzeAfterFinishedJobs(db, post: post, personas: personas)
                // One runnable job per (post, persona), each enqueued a millisecond before the next.
                return try await db.execute(
                    """
                    INSERT INTO jobs(job_type, post_id, persona_id, payload, status, attempts, available_at, created_at, updated_at)
                    SELECT \(unescaped: JobKind.generateReply.sql), pairs.post_id, pairs.persona_id, '{}', 'PENDING', 0,
                      \(Self.now) - make_interval(secs => pairs.n / 1000.0), \(Self.now) - make_interval(secs => pairs.n / 1000.0), \(Self.now)
                    FROM (SELECT p.id AS post_id, pe.id AS persona_id, row_number() OVER (ORDER BY p.id, pe.id) AS n
                          FROM posts p CROSS JOIN personas pe WHERE p.id = ANY(\(posts)) AND pe.id = ANY(\(personas))) AS pairs
                    """)
            }
            #expect(backlog == 3000)
            let policy = QueuePolicy(maxAttempts: 5, leaseSeconds: 60)
            let (claimed, read, sorting) = try await store.batchedWrite { db in
                let claimed = try await PostgresStore.claimBatch(db, limit: 16, policy: policy, now: Self.now, reap: false)
                // Index entries this transaction read from the pick index.
                let read = try await db.value(
                    "SELECT pg_stat_get_xact_tuples_returned('idx_jobs_active_pick'::regclass)", as: Int64.self)
                let sorting = try await db.value("SELECT current_setting('enable_sort')", as: String.self)
                return (claimed.count, read ?? -1, sorting)
            }
            #expect(claimed == 16)
            #expect(sorting == "on", "the rest of the transaction plans as before the pick")
            #expect(read >= 16 && read < 300, "entries of idx_jobs_active_pick read to claim 16 of 3,000: \(read)")
        }
    }

    /// The claim gathers each claimed post's thread through the replies' post index, not by reading all of `replies`,
    /// also before the statistics know how big the table has grown: in the queue benchmark, a young database's plan read
    /// every reply on every claim.
    @Test func theClaimReadsItsPostsThreadsThroughThePostIndexBeforeTheStatisticsCatchUp() async throws {
        try await PostgresCluster.shared().withStore { store, _ in
            let load = try await store.seedSyntheticLoad(personas: 50, posts: 60, replyQuota: 1000, now: Self.now)
            let plan = try await store.write { db in
                try await db.execute("ANALYZE replies")
                // Replies the statistics have not seen: every persona's on every post.
                try await db.execute(
                    """
                    INSERT INTO replies(post_id, persona_id, authored_by, content, created_at, updated_at)
                    SELECT p.id, pe.id, 'AI', 'A reply.', \(Self.now), \(Self.now)
                    FROM posts p CROSS JOIN personas pe WHERE pe.user_id = \(try #require(UUID(uuidString: load.user)))
                    """)
                try await db.execute(PostgresStore.genericPlans)
                try await db.execute("PREPARE claim_probe(timestamptz, int, int8[], date) AS \(unescaped: ClaimJobsWithContext.sql)")
                return try await db.column(
                    "EXPLAIN (COSTS OFF) EXECUTE claim_probe('2027-01-15 08:00:00+00', 5, ARRAY[1, 2, 3]::int8[], '2027-01-15')",
                    as: String.self
                ).joined(separator: "\n")
            }
            #expect(!plan.contains("Seq Scan on replies"), "the claim's plan:\n\(plan)")
            #expect(plan.contains("on replies"), "the claim's plan reads the replies:\n\(plan)")
        }
    }
}
