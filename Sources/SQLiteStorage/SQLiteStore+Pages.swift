import Domain
import GRDB
import Storage

/// Reads only the web pages need (the navigation bar, live reply status).
extension SQLiteStore {
    /// The signed-in user's email (admin check) and unread notification count, in one read, for the navigation bar.
    public func accountSummary(userID: String) async throws -> AccountSummary? {
        try await quickRead { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT email, is_admin FROM users WHERE id = ?"), arguments: [userID])
            else { return nil }
            return AccountSummary(email: row[0], isAdmin: row[1], unread: try Self.unreadCount(db, userID: userID))
        }
    }

    /// A post's active reply jobs; uses `idx_jobs_dedupe_lookup` (post first).
    static let pendingForPostSQL = """
        SELECT COUNT(*) FROM jobs WHERE post_id = ? AND job_type = \(JobKind.generateReply.sql) AND \(ActiveJob.condition)
        """

    /// How many reply jobs for `postID` are still active: the replies a thread page is waiting for.
    public func pendingReplyJobs(postID: String, maxAttempts: Int) async throws -> Int {
        try await read { db in
            try Int.fetchOne(db.cachedStatement(sql: Self.pendingForPostSQL), arguments: [postID, maxAttempts]) ?? 0
        }
    }

    /// The public profile row of a persona (published or not), for its owner's page.
    public func profile(personaID: String) async throws -> PublicProfile? {
        try await read { db in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT slug, is_public, bio, created_at FROM persona_public_profiles WHERE persona_id = ?"),
                arguments: [personaID]
            ).map { row in
                PublicProfile(
                    personaID: personaID, slug: row["slug"], isPublic: row["is_public"], bio: row["bio"],
                    createdAt: Self.timestamp(row["created_at"]))
            }
        }
    }

    /// The templates `userID` may start a battle from: every public one and their own private ones, newest first.
    public func templates(usableBy userID: String, limit: Int) async throws -> [BattleTemplate] {
        try await read { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT \(Self.templateColumns) FROM templates WHERE is_public = 1 OR owner_user_id = ?
                        ORDER BY created_at DESC, id DESC LIMIT ?
                        """), arguments: [userID, limit]
            ).map(Self.template(from:))
        }
    }

    /// The user's own newest battles (published posts without a persona), for the feed page: the ranked feed
    /// leaves a user's own battles out, and the page still lists them.
    public func ownBattles(userID: String, limit: Int) async throws -> [FeedBattleCandidate] {
        try await read { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT \(Self.feedPostColumns) FROM posts p \(Self.feedPostJoins)
                        WHERE p.user_id = ? AND p.persona_id IS NULL AND p.status = 'PUBLISHED'
                        ORDER BY p.created_at DESC, p.id DESC LIMIT ?
                        """), arguments: [userID, limit]
            ).map { Self.feedCandidate($0, shares: 0, remixes: 0) }
        }
    }
}
