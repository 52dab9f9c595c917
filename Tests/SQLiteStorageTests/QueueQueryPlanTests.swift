import Domain
import Storage
import Testing

@testable import SQLiteStorage

/// The claim and the dedupe lookup use their indexes.
@Suite struct QueueQueryPlanTests {
    /// A migrated SQLite store in memory (the plans depend on the schema, not on rows).
    static func store() async throws -> SQLiteStore {
        let store = try SQLiteStore.inMemory()
        try await store.migrate()
        return store
    }

    @Test func everyQueueQueryUsesItsIndexAndNeverScansTheJobs() async throws {
        let database = try await Self.store()
        let plans = try await database.explainQueuePlans()
        let expected = [
            "claim": "idx_jobs_active_pick", "dedupe": "idx_jobs_dedupe_lookup", "lease": "idx_jobs_status_available_at",
            "queued": "idx_jobs_persona_status", "pending": "idx_jobs_dedupe_lookup", "throughput": "idx_jobs_finished_updated_at",
        ]
        for (query, index) in expected {
            let plan = try #require(plans[query], "\(query)")
            #expect(plan.contains { $0.contains(index) }, "\(query): \(plan)")
        }
        for (query, plan) in plans {
            #expect(!plan.contains { $0.hasPrefix("SCAN jobs") }, "\(query) scans the jobs table: \(plan)")
        }
    }

    /// A persona's finished jobs stay until they are pruned; the quota's queued count (every enqueue) must not read them.
    @Test func theQueuedCountSearchesThePersonasActiveStatusesOnly() async throws {
        let database = try await Self.store()
        let plan = try #require(try await database.explainQueuePlans()["queued"])
        #expect(plan.contains { $0.contains("idx_jobs_persona_status (persona_id=? AND status=?)") }, "\(plan)")
    }

    @Test func jobsCarryOnlyTheIndexesAQueryOrTheActiveJobRuleNeeds() async throws {
        let database = try await Self.store()
        let plans = try await database.explainQueuePlans()
        let used = Set(
            plans.values.joined().flatMap { line in
                line.split(separator: " ").map(String.init).filter { $0.hasPrefix("idx_jobs_") }
            })
        // The unique partial index is the active-job rule itself (the enqueue's ON CONFLICT target).
        let needed = used.union(["uq_jobs_active_generate_reply"])
        #expect(Set(try await database.jobIndexes()) == needed, "an index no query uses costs every status change")
    }
}
