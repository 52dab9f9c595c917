import Domain
import Foundation
import PostgresNIO
import Storage

/// Weekly user digests: which are due, their candidate battles, and the fenced write.
extension PostgresStore {
    /// Claims up to `limit` users whose digest for the week starting `weekStart` is missing or older than `staleBefore`
    /// and who were not checked since (an unexpired lease), oldest first.
    public func claimWeeklyDigests(
        weekStart: String, now: Timestamp, staleBefore: Timestamp, holder: String, lease: Double, limit: Int
    ) async throws -> [String] {
        let query: PostgresQuery = """
            SELECT u.id::text FROM users u LEFT JOIN weekly_digests w ON w.user_id = u.id AND w.week_start = \(SQLDate(weekStart))
            WHERE (w.id IS NULL OR w.updated_at <= \(staleBefore))
              AND NOT EXISTS (SELECT 1 FROM digest_leases l WHERE l.kind = 'weekly' AND l.subject_id = u.id
                              AND l.period = \(SQLDate(weekStart)) AND l.expires_at > \(now))
            ORDER BY w.updated_at ASC NULLS FIRST, u.created_at ASC, u.id ASC LIMIT \(limit)
            """
        // As the daily claim: a pass with nobody due is one statement outside a transaction.
        guard try await quick({ try await $0.column(query, as: String.self) }).isEmpty == false else { return [] }
        return try await write { db in
            let users = try await db.column(query, as: String.self)
            let claimed = try await Self.claimLeases(
                db, kind: .weekly, subjects: try users.map(StoreID.known), period: weekStart, holder: holder,
                until: now.adding(seconds: lease), now: now)
            return try users.filter { claimed.contains(try StoreID.known($0)) }
        }
    }

    /// Battles with shares or remixes since `engagementSince`, created since `createdSince`: the part of every user's
    /// weekly candidates that engagement can lift. Computed once per scheduler pass for all users.
    public func weeklyEngagedBattles(engagementSince: Timestamp, createdSince: Timestamp) async throws -> [WeeklyPost] {
        try await quick { db in
            try await db.rows(
                """
                SELECT \(unescaped: Self.weeklyColumns), e.shares, e.remixes
                FROM (\(unescaped: Self.engagementSQL) \(engagementSince) GROUP BY battle_key) e
                JOIN posts p ON p.id = \(unescaped: StoreID.uuidOrNull("e.battle_key")) LEFT JOIN rooms rm ON rm.id = p.room_id
                WHERE p.status = 'PUBLISHED' AND p.created_at >= \(createdSince)
                """
            ).map { try Self.weeklyCandidate($0, counted: true) }
        }
    }

    static let weeklyColumns = "p.id::text, p.room_id::text, COALESCE(rm.name, ''), p.content, p.created_at, p.user_id::text, p.persona_id::text"

    static func weeklyCandidate(_ row: PostgresRow, counted: Bool) throws -> WeeklyPost {
        let (id, room, roomName, content, created, owner, persona) = try row.decode(
            (String, String, String, String, Timestamp, String, String?).self)
        var shares = 0
        var remixes = 0
        if counted {
            let columns = Array(row)
            shares = try columns[7].decode(Int.self)
            remixes = try columns[8].decode(Int.self)
        }
        return WeeklyPost(
            candidate: WeeklyCandidate(
                battleID: id, roomID: room, roomName: roomName, content: content, createdAt: created, followed: false, shares: shares,
                remixes: remixes),
            ownerID: owner, personaID: persona)
    }

    /// What one user's weekly ranking needs beyond the shared engaged battles: the battles they saw, the personas they
    /// follow, the posts of those personas this week, and the newest posts of others (an unengaged, unfollowed battle
    /// scores by recency alone, so only the newest few can rank).
    public func weeklyUserInputs(userID: String, now: Timestamp) async throws -> WeeklyUserInputs {
        guard let user = StoreID.parse(userID) else { return WeeklyUserInputs(seen: [], followedPersonas: [], extra: []) }
        let week = now.adding(seconds: -7 * 86_400)
        let fortnight = now.adding(seconds: -14 * 86_400)
        return try await read { db in
            // Events without a battle key (e.g. a notification click) have a NULL key and see nothing.
            let seen = Set(
                try await db.column(
                    """
                    SELECT \(unescaped: Self.engagementKey) FROM events
                    WHERE user_id = \(user) AND event_name IN ('public_battle_viewed', 'battle_shared', 'remix_started', 'remix_completed', 'notification_clicked')
                      AND created_at >= \(fortnight)
                    """, as: String?.self
                ).compactMap { $0 })
            let followed = Set(
                try await db.column("SELECT followed_persona_id::text FROM persona_follows WHERE follower_user_id = \(user)", as: String.self))
            var extra = try await db.rows(
                """
                SELECT \(unescaped: Self.weeklyColumns) FROM persona_follows f
                JOIN posts p ON p.persona_id = f.followed_persona_id AND p.status = 'PUBLISHED' AND p.created_at >= \(week)
                LEFT JOIN rooms rm ON rm.id = p.room_id
                WHERE f.follower_user_id = \(user) AND p.user_id <> \(user)
                """
            ).map { try Self.weeklyCandidate($0, counted: false) }
            extra += try await db.rows(
                """
                SELECT \(unescaped: Self.weeklyColumns) FROM posts p LEFT JOIN rooms rm ON rm.id = p.room_id
                WHERE p.status = 'PUBLISHED' AND p.created_at >= \(week) AND p.user_id <> \(user)
                ORDER BY p.created_at DESC, p.id DESC LIMIT \(3 + seen.count)
                """
            ).map { try Self.weeklyCandidate($0, counted: false) }
            return WeeklyUserInputs(seen: seen, followedPersonas: followed, extra: extra)
        }
    }

    /// The first replies of a battle, for its summary.
    public func firstReplies(postID: String, limit: Int) async throws -> [LLMText] {
        guard let post = StoreID.parse(postID) else { return [] }
        return try await quick { db in
            try await db.rows("SELECT id::text, content FROM replies WHERE post_id = \(post) ORDER BY created_at ASC, id ASC LIMIT \(limit)").map {
                let (id, content) = try $0.decode((String, String).self)
                return LLMText(id: id, content: content)
            }
        }
    }

    /// Writes the week's items if this node still holds the lease and they changed (compared as JSON values); either
    /// way the user is marked checked (the lease is kept until `checkedUntil`) so unchanged rows are not rewritten.
    public func finishWeeklyDigest(
        userID: String, weekStart: String, itemsJSON: String, holder: String, now: Timestamp, checkedUntil: Timestamp
    ) async throws -> DigestWrite {
        let user = try StoreID.known(userID)
        return try await write { db in
            guard try await Self.holdsLease(db, kind: .weekly, subject: user, period: weekStart, holder: holder, now: now) else { return .lostLease }
            try await Self.extendLease(db, kind: .weekly, subject: user, period: weekStart, holder: holder, until: checkedUntil)
            let unchanged =
                try await db.value(
                    "SELECT items = \(JSONB(itemsJSON)) FROM weekly_digests WHERE user_id = \(user) AND week_start = \(SQLDate(weekStart))",
                    as: Bool.self) ?? false
            if unchanged { return .unchanged }
            try await db.execute(
                """
                INSERT INTO weekly_digests(user_id, week_start, items, created_at, updated_at)
                VALUES (\(user), \(SQLDate(weekStart)), \(JSONB(itemsJSON)), \(now), \(now))
                ON CONFLICT (user_id, week_start) DO UPDATE SET items = EXCLUDED.items, updated_at = EXCLUDED.updated_at
                """)
            return .written
        }
    }

    /// The user's digest for `weekStart`, else their latest.
    public func weeklyDigest(userID: String, weekStart: String) async throws -> StoredWeeklyDigest? {
        guard let user = StoreID.parse(userID) else { return nil }
        return try await quick { db in
            try await db.rows(
                """
                SELECT to_char(week_start, 'YYYY-MM-DD'), items::text, updated_at FROM weekly_digests WHERE user_id = \(user)
                ORDER BY (week_start = \(SQLDate(weekStart))) DESC, week_start DESC LIMIT 1
                """
            ).first.map { row in
                let (week, items, updated) = try row.decode((String, String, Timestamp).self)
                return StoredWeeklyDigest(weekStart: week, items: StoredDocument.canonical(items), updatedAt: updated)
            }
        }
    }
}
