import Domain
import GRDB
import SQLiteStorage
import Storage
import TestSupport
import Testing

/// The feed, public-profile, digest and admin reads use the scale plan's indexes: no full scan of posts, events, follows
/// or the engagement aggregates (whose reads touch the window's days only).
@Suite struct EngagementQueryPlanTests {

    @Test func hotQueriesUseTheirIndexes() async throws {
        let dir = TestDirectory()
        let db = try SQLiteStore.open(settings: DatabaseSettings(path: dir.databasePath))
        try await db.migrate()
        let feed = try await db.explainFeedPlans()
        let more = try await db.explainEngagementPlans()
        let all = feed.merging(more) { a, _ in a }
        for (name, plan) in all {
            // A full scan reads as `SCAN <table or alias>` with no index; p, f are the queries' aliases of posts and follows.
            let scans = plan.filter { line in
                [
                    "posts", "events", "persona_follows", "p", "f", "event_actor_days", "battle_engagement_days", "event_name_days",
                    "battle_window_counts", "w",
                ].contains { line == "SCAN \($0)" }
            }
            #expect(scans.isEmpty, "\(name) scans a table: \(plan)")
        }
        #expect(feed["trending"]?.contains { $0.contains("idx_battle_engagement_days_name_day") } == true, "\(feed["trending"] ?? [])")
        // The window's battles in score order straight from the score index (no sort), each post by its key.
        let window = feed["trending_window"] ?? []
        #expect(window.first?.contains("SCAN w USING INDEX idx_battle_window_counts_score") == true, "\(window)")
        #expect(window.contains { $0.contains("SEARCH p USING INDEX sqlite_autoindex_posts_1 (id=?)") }, "\(window)")
        #expect(!window.contains { $0.contains("TEMP B-TREE") || $0.contains("BLOOM FILTER") }, "\(window)")
        let early = feed["keys_before_since"] ?? []
        #expect(early.contains { $0.contains("event_actor_days USING PRIMARY KEY (day=? AND event_name=? AND battle_key=?)") }, "\(early)")
        let chosen = feed["trending_posts"] ?? []
        #expect(chosen.contains { $0.contains("SEARCH p USING INDEX sqlite_autoindex_posts_1 (id=?)") }, "\(chosen)")
        #expect(feed["followed"]?.contains { $0.contains("idx_posts_persona_published_created_id") } == true, "\(feed["followed"] ?? [])")
        let ofBattle = feed["engagement_of_battle"] ?? []
        #expect(ofBattle.contains { $0.contains("battle_engagement_days USING PRIMARY KEY (battle_key=?") }, "\(ofBattle)")
        #expect(ofBattle.contains { $0.contains("event_actor_days USING PRIMARY KEY (day=?") }, "\(ofBattle)")
        #expect(more["event_counts"]?.contains { $0.contains("event_name_days USING PRIMARY KEY (day>?)") } == true, "\(more["event_counts"] ?? [])")
        #expect(more["events_per_day"]?.contains { $0.contains("idx_event_actor_days_day_last_at") } == true, "\(more["events_per_day"] ?? [])")
        #expect(feed["templates"]?.contains { $0.contains("idx_posts_published_template_created_at") } == true, "\(feed["templates"] ?? [])")
        #expect(more["public_posts_first"]?.contains { $0.contains("idx_posts_persona_published_created_id") } == true)
        #expect(more["public_posts_after"]?.contains { $0.contains("idx_posts_persona_published_created_id") } == true)
        #expect(more["weekly_seen"]?.contains { $0.contains("idx_events_user_event_created") } == true, "\(more["weekly_seen"] ?? [])")
        #expect(more["weekly_newest"]?.contains { $0.contains("idx_posts_published_created_at") } == true, "\(more["weekly_newest"] ?? [])")
    }
}
