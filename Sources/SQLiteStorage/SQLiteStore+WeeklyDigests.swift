import Domain
import GRDB
import Storage

/// Weekly user digests: which are due, their candidate battles, and the fenced write.
extension SQLiteStore {
    /// Claims up to `limit` users whose digest for the week starting `weekStart` is missing or older than
    /// `staleBefore` and who were not checked since (an unexpired lease), oldest first.
    public func claimWeeklyDigests(
        weekStart: String, now: Timestamp, staleBefore: Timestamp, holder: String, lease: Double,
        limit: Int
    ) async throws -> [String] {
        try await write { db in
            let users = try String.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT u.id FROM users u LEFT JOIN weekly_digests w ON w.user_id = u.id AND w.week_start = ?
                        WHERE (w.id IS NULL OR w.updated_at <= ?)
                          AND NOT EXISTS (SELECT 1 FROM digest_leases l WHERE l.kind = 'weekly' AND l.subject_id = u.id
                                          AND l.period = ? AND l.expires_at > ?)
                        ORDER BY COALESCE(w.updated_at, '') ASC, u.created_at ASC, u.id ASC LIMIT ?
                        """), arguments: [weekStart, staleBefore.storageString, weekStart, now.storageString, limit])
            return try users.filter { user in
                try Self.claimLease(db, kind: .weekly, subject: user, period: weekStart, holder: holder, until: now.adding(seconds: lease), now: now)
            }
        }
    }

    /// Battles with shares or remixes since `engagementSince`, created since `createdSince`: the part of every
    /// user's weekly candidates that engagement can lift. Computed once per scheduler pass for all users.
    public func weeklyEngagedBattles(engagementSince: Timestamp, createdSince: Timestamp) async throws -> [WeeklyPost] {
        try await read { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT p.id, p.room_id, COALESCE(rm.name, '') AS room_name, p.content, p.created_at, p.user_id, p.persona_id, e.shares, e.remixes
                        FROM (\(Self.engagedBattlesSQL)) e JOIN posts p ON p.id = e.battle_key LEFT JOIN rooms rm ON rm.id = p.room_id
                        WHERE p.status = 'PUBLISHED' AND p.created_at >= :created
                        """),
                arguments: StatementArguments(Self.windowArguments(engagementSince).merging(["created": createdSince.storageString]) { a, _ in a })
            ).map { Self.weeklyCandidate($0, shares: $0["shares"], remixes: $0["remixes"]) }
        }
    }

    static func weeklyCandidate(_ row: Row, shares: Int, remixes: Int) -> WeeklyPost {
        WeeklyPost(
            candidate: WeeklyCandidate(
                battleID: row["id"], roomID: row["room_id"], roomName: row["room_name"], content: row["content"],
                createdAt: timestamp(row["created_at"]), followed: false, shares: shares, remixes: remixes),
            ownerID: row["user_id"], personaID: row["persona_id"])
    }

    /// What one user's weekly ranking needs beyond the shared engaged battles: the battles they saw, the personas
    /// they follow, the posts of those personas this week, and the newest posts of others (an unengaged,
    /// unfollowed battle scores by recency alone, so only the newest few can rank).
    public func weeklyUserInputs(
        userID: String, now: Timestamp
    ) async throws -> WeeklyUserInputs {
        let week = now.adding(seconds: -7 * 86_400).storageString
        let fortnight = now.adding(seconds: -14 * 86_400).storageString
        return try await read { db in
            // Events without a battle key (e.g. a notification click) have a NULL key and see nothing.
            let seen = Set(
                try String?.fetchAll(
                    db.cachedStatement(
                        sql: """
                            SELECT \(Self.engagementKeySQL) FROM events
                            WHERE user_id = ? AND event_name IN ('public_battle_viewed','battle_shared','remix_started','remix_completed','notification_clicked')
                              AND created_at >= ?
                            """), arguments: [userID, fortnight]
                ).compactMap { $0 })
            let followed = Set(
                try String.fetchAll(
                    db.cachedStatement(sql: "SELECT followed_persona_id FROM persona_follows WHERE follower_user_id = ?"),
                    arguments: [userID]))
            let columns = "p.id, p.room_id, COALESCE(rm.name, '') AS room_name, p.content, p.created_at, p.user_id, p.persona_id"
            var extra = try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT \(columns) FROM persona_follows f
                        JOIN posts p ON p.persona_id = f.followed_persona_id AND p.status = 'PUBLISHED' AND p.created_at >= ?
                        LEFT JOIN rooms rm ON rm.id = p.room_id
                        WHERE f.follower_user_id = ? AND p.user_id != ?
                        """), arguments: [week, userID, userID]
            ).map { Self.weeklyCandidate($0, shares: 0, remixes: 0) }
            extra += try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT \(columns) FROM posts p LEFT JOIN rooms rm ON rm.id = p.room_id
                        WHERE p.status = 'PUBLISHED' AND p.created_at >= ? AND p.user_id != ?
                        ORDER BY p.created_at DESC, p.id DESC LIMIT ?
                        """), arguments: [week, userID, 3 + seen.count]
            ).map { Self.weeklyCandidate($0, shares: 0, remixes: 0) }
            return WeeklyUserInputs(seen: seen, followedPersonas: followed, extra: extra)
        }
    }

    /// The first replies of a battle, for its summary.
    public func firstReplies(postID: String, limit: Int) async throws -> [LLMText] {
        try await read { db in
            try Row.fetchAll(
                db.cachedStatement(sql: "SELECT id, content FROM replies WHERE post_id = ? ORDER BY created_at ASC, id ASC LIMIT ?"),
                arguments: [postID, limit]
            ).map { LLMText(id: $0["id"], content: $0["content"]) }
        }
    }

    /// Writes the week's items if this process still holds the lease and they changed; either way the user is
    /// marked checked (the lease is kept until `checkedUntil`) so unchanged rows are not rewritten.
    public func finishWeeklyDigest(
        userID: String, weekStart: String, itemsJSON: String, holder: String, now: Timestamp,
        checkedUntil: Timestamp
    ) async throws -> DigestWrite {
        try await write { db in
            guard try Self.holdsLease(db, kind: .weekly, subject: userID, period: weekStart, holder: holder, now: now) else { return .lostLease }
            _ = try Self.extendLease(db, kind: .weekly, subject: userID, period: weekStart, holder: holder, until: checkedUntil)
            let current = try String.fetchOne(
                db.cachedStatement(sql: "SELECT items FROM weekly_digests WHERE user_id = ? AND week_start = ?"),
                arguments: [userID, weekStart])
            if current == itemsJSON { return .unchanged }
            try db.cachedStatement(
                sql: """
                    INSERT INTO weekly_digests(user_id, week_start, items, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT(user_id, week_start) DO UPDATE SET items = excluded.items, updated_at = excluded.updated_at
                    """
            ).execute(arguments: [userID, weekStart, itemsJSON, now.storageString, now.storageString])
            return .written
        }
    }

    /// The user's digest for `weekStart`, else their latest: (week_start, items JSON, updated_at).
    public func weeklyDigest(userID: String, weekStart: String) async throws -> StoredWeeklyDigest? {
        try await read { db in
            try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT week_start, items, updated_at FROM weekly_digests WHERE user_id = ?
                        ORDER BY (week_start = ?) DESC, week_start DESC LIMIT 1
                        """), arguments: [userID, weekStart]
            ).map { StoredWeeklyDigest(weekStart: $0["week_start"], items: $0["items"], updatedAt: Self.timestamp($0["updated_at"])) }
        }
    }
}
