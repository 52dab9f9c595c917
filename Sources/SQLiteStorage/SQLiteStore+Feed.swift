import Domain
import GRDB
import Storage

/// The feed's candidate reads. Every query here is served by an index (the query-plan tests prove it).
extension SQLiteStore {
    static let feedPostColumns = """
        p.id, p.room_id, COALESCE(rm.name, '') AS room_name, p.persona_id, pe.name AS persona_name, p.content, p.created_at,
        p.user_id, p.template_id, t.name AS template_name
        """

    static let feedPostJoins = """
        LEFT JOIN rooms rm ON rm.id = p.room_id LEFT JOIN personas pe ON pe.id = p.persona_id LEFT JOIN templates t ON t.id = p.template_id
        """

    static func feedCandidate(_ row: Row, shares: Int, remixes: Int) -> FeedBattleCandidate {
        FeedBattleCandidate(
            battleID: row["id"], roomID: row["room_id"], roomName: row["room_name"], personaID: row["persona_id"],
            personaName: row["persona_name"], content: row["content"], createdAt: timestamp(row["created_at"]),
            templateID: row["template_id"], templateName: row["template_name"], shares: shares, remixes: remixes)
    }

    /// Shares and remixes since `since` of each battle with any, the most engaged first (`limit` of them), with
    /// the post's owner so callers can drop a viewer's own battles. Read from the trending window
    /// (`SQLiteStore+TrendingWindow`), moved first when it starts on another day than `since`'s.
    public func trendingPool(since: Timestamp, limit: Int) async throws -> [TrendingBattle] {
        if let pool = try await read({ db in try Self.trendingFromWindow(db, since: since, limit: limit) }) { return pool }
        let day = String(since.storageString.prefix(10))
        try await write { db in try Self.moveTrendingWindow(db, to: day) }
        return try await read { db in
            // Another process may have moved the window again meanwhile: then count from the window's days.
            if let pool = try Self.trendingFromWindow(db, since: since, limit: limit) { return pool }
            var arguments = StatementArguments(Self.windowArguments(since))
            arguments += ["limit": limit]
            return try Row.fetchAll(db.cachedStatement(sql: Self.trendingSQL), arguments: arguments).map { row in
                TrendingBattle(candidate: Self.feedCandidate(row, shares: row["shares"], remixes: row["remixes"]), ownerID: row["user_id"])
            }
        }
    }

    /// The pool counted from the per-day aggregates of the window's days (when the trending window is elsewhere).
    static let trendingSQL = """
        SELECT \(feedPostColumns), e.shares, e.remixes FROM (\(engagedBattlesSQL)) e
        JOIN posts p ON p.id = e.battle_key \(feedPostJoins)
        WHERE p.status = 'PUBLISHED'
        ORDER BY (e.shares * 2 + e.remixes * 4) DESC, p.created_at DESC, p.id DESC LIMIT :limit
        """

    /// The newest published posts of personas the user follows, with their engagement since `since`, and the
    /// newest public templates with their use in the last 30 days.
    public func feedCandidates(
        userID: String, engagementSince since: Timestamp, templatesSince: Timestamp
    ) async throws -> FeedInputs {
        try await read { db in
            let rows = try Row.fetchAll(db.cachedStatement(sql: Self.followedSQL), arguments: [userID])
            var followed: [FeedBattleCandidate] = []
            for row in rows {
                let id: String = row["id"]
                var arguments = StatementArguments(Self.windowArguments(since))
                arguments += ["id": id]
                let counts = try Row.fetchOne(db.cachedStatement(sql: Self.engagementOfBattleSQL), arguments: arguments)!
                followed.append(Self.feedCandidate(row, shares: counts["shares"] ?? 0, remixes: counts["remixes"] ?? 0))
            }
            let templates = try Row.fetchAll(db.cachedStatement(sql: Self.feedTemplatesSQL), arguments: [templatesSince.storageString]).map {
                FeedTemplateCandidate(
                    templateID: $0["id"], name: $0["name"], promptRules: $0["prompt_rules"], turnCount: $0["turn_count"],
                    wordLimit: $0["word_limit"], createdAt: Self.timestamp($0["created_at"]), usageCount: $0["usage_count"])
            }
            return FeedInputs(followed: followed, templates: templates)
        }
    }

    static let followedSQL = """
        SELECT \(feedPostColumns) FROM persona_follows f
        JOIN posts p ON p.persona_id = f.followed_persona_id AND p.status = 'PUBLISHED' \(feedPostJoins)
        WHERE f.follower_user_id = ? ORDER BY p.created_at DESC, p.id DESC LIMIT 20
        """

    static let feedTemplatesSQL = """
        SELECT t.id, t.name, t.prompt_rules, t.turn_count, t.word_limit, t.created_at,
          (SELECT COUNT(*) FROM posts p WHERE p.template_id = t.id AND p.status = 'PUBLISHED' AND p.created_at >= ?) AS usage_count
        FROM templates t WHERE t.is_public = 1 ORDER BY t.created_at DESC, t.id DESC LIMIT 12
        """

    /// `EXPLAIN QUERY PLAN` details of the feed's queries, for the index tests.
    public func explainFeedPlans() async throws -> [String: [String]] {
        try await read { db in
            let ts = "2000-01-01T00:00:00.000000Z"
            let id = "00000000-0000-4000-8000-000000000000"
            return [
                "trending": try Self.plan(db, Self.trendingSQL, ["day": String(ts.prefix(10)), "since": ts, "limit": 20]),
                "trending_window": try Self.plan(db, Self.windowBattlesSQL, []),
                "keys_before_since": try Self.plan(db, Self.keysBeforeSinceSQL, [String(ts.prefix(10)), "[\"\(id)\"]", ts]),
                "trending_posts": try Self.plan(db, Self.feedPostsSQL, ["[\"\(id)\"]"]),
                "followed": try Self.plan(db, Self.followedSQL, [id]),
                "engagement_of_battle": try Self.plan(
                    db, Self.engagementOfBattleSQL, ["day": String(ts.prefix(10)), "since": ts, "id": id]),
                "templates": try Self.plan(db, Self.feedTemplatesSQL, [ts]),
            ]
        }
    }
}

/// Query plans of the public, digest and engagement reads, for the index tests.
extension SQLiteStore {
    public func explainEngagementPlans() async throws -> [String: [String]] {
        try await read { db in
            let ts = "2000-01-01T00:00:00.000000Z"
            let id = "00000000-0000-4000-8000-000000000000"
            return [
                "public_posts_first": try Self.plan(
                    db,
                    """
                    SELECT p.id FROM posts p WHERE p.persona_id = ? AND p.status = 'PUBLISHED' ORDER BY p.created_at DESC, p.id DESC LIMIT 10
                    """, [id]),
                "public_posts_after": try Self.plan(
                    db,
                    """
                    SELECT p.id FROM posts p WHERE p.persona_id = ? AND p.status = 'PUBLISHED'
                     AND (p.created_at < ? OR (p.created_at = ? AND p.id < ?)) ORDER BY p.created_at DESC, p.id DESC LIMIT 10
                    """, [id, ts, ts, id]),
                "weekly_seen": try Self.plan(
                    db,
                    """
                    SELECT \(Self.engagementKeySQL) FROM events
                    WHERE user_id = ? AND event_name IN ('public_battle_viewed','battle_shared','remix_started','remix_completed','notification_clicked')
                      AND created_at >= ?
                    """, [id, ts]),
                "event_counts": try Self.plan(db, Self.eventCountsSQL, ["day": String(ts.prefix(10)), "since": ts]),
                "events_per_day": try Self.plan(db, Self.eventsPerDaySQL, ["day": String(ts.prefix(10)), "since": ts]),
                "weekly_newest": try Self.plan(
                    db,
                    """
                    SELECT p.id FROM posts p WHERE p.status = 'PUBLISHED' AND p.created_at >= ? AND p.user_id != ?
                    ORDER BY p.created_at DESC, p.id DESC LIMIT 10
                    """, [ts, id]),
            ]
        }
    }
}
