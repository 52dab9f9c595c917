import Domain
import Storage

/// Rows a test needs before it starts, written by the engine's seeder (users, personas, published posts).
public enum Fixtures {
    /// Creates a user with `personas` personas and `posts` published posts; returns their ids.
    public static func seed(
        _ store: any DemoSeeder, personas: Int, posts: Int, replyQuota: Int = 100_000,
        now: Timestamp
    ) async throws -> (user: String, personas: [String], posts: [String]) {
        let load = try await store.seedSyntheticLoad(personas: personas, posts: posts, replyQuota: replyQuota, now: now)
        return (load.user, load.personas, load.posts)
    }
}
