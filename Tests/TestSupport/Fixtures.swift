import Domain
import SQLiteStorage
import Storage

/// Rows inserted straight into a test database (users, personas, published posts).
public enum Fixtures {
    /// Creates a user with `personas` personas and `posts` published posts; returns their ids.
    public static func seed(
        _ db: SQLiteStore, personas: Int, posts: Int, replyQuota: Int = 100_000,
        now: Timestamp
    ) async throws -> (user: String, personas: [String], posts: [String]) {
        let load = try await db.seedSyntheticLoad(personas: personas, posts: posts, replyQuota: replyQuota, now: now)
        return (load.user, load.personas, load.posts)
    }
}
