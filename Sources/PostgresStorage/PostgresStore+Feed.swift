import Domain
import Foundation
import PostgresNIO
import Storage

/// The feed's candidate reads.
extension PostgresStore {
    /// The engagement key of an event: `source_battle_id` when non-empty, else `battle_id`; the same text as
    /// `idx_events_engagement_battle`'s expression.
    static let engagementKey = "COALESCE(NULLIF(metadata->>'source_battle_id', ''), NULLIF(metadata->>'battle_id', ''))"

    /// DECISIONS 28: an event counts once per (actor, UTC day) for its battle and name, so a flood from one client
    /// counts once. Events written before actors were recorded count for themselves.
    static let actorDaySQL =
        "COALESCE(actor, user_id::text, 'event:' || id::text) || '|' || to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"

    /// Per-actor shares and remixes of the rows being grouped.
    static let engagementCountsSQL = """
        COUNT(DISTINCT CASE WHEN event_name = 'battle_shared' THEN \(actorDaySQL) END) AS shares,
        COUNT(DISTINCT CASE WHEN event_name = 'remix_completed' THEN \(actorDaySQL) END) AS remixes
        """

    /// Shares and remixes per engagement key since the bound time.
    static let engagementSQL = """
        SELECT \(engagementKey) AS battle_key, \(engagementCountsSQL)
        FROM events WHERE event_name IN ('battle_shared', 'remix_completed') AND created_at >=
        """

    static let feedPostColumns = """
        p.id::text, p.room_id::text, COALESCE(rm.name, ''), p.persona_id::text, pe.name, p.content, p.created_at, p.user_id::text,
        p.template_id::text, t.name
        """

    static let feedPostJoins = """
        LEFT JOIN rooms rm ON rm.id = p.room_id LEFT JOIN personas pe ON pe.id = p.persona_id LEFT JOIN templates t ON t.id = p.template_id
        """

    /// A row of `feedPostColumns` (then, optionally, shares and remixes), and the post's owner.
    static func feedCandidate(_ row: PostgresRow, counted: Bool) throws -> (FeedBattleCandidate, owner: String) {
        let (id, room, roomName, persona, personaName, content, created, owner, template, templateName) = try row.decode(
            (String, String, String, String?, String?, String, Timestamp, String, String?, String?).self)
        var shares = 0
        var remixes = 0
        if counted {
            let columns = Array(row)
            shares = try columns[10].decode(Int.self)
            remixes = try columns[11].decode(Int.self)
        }
        return (
            FeedBattleCandidate(
                battleID: id, roomID: room, roomName: roomName, personaID: persona, personaName: personaName, content: content,
                createdAt: created, templateID: template, templateName: templateName, shares: shares, remixes: remixes),
            owner
        )
    }

    /// Shares and remixes since `since` of each battle with any, the most engaged first (`limit` of them), with the
    /// post's owner so callers can drop a viewer's own battles.
    public func trendingPool(since: Timestamp, limit: Int) async throws -> [TrendingBattle] {
        try await quick { db in
            try await db.rows(
                """
                SELECT \(unescaped: Self.feedPostColumns), e.shares, e.remixes FROM (
                  \(unescaped: Self.engagementSQL) \(since) GROUP BY battle_key
                ) e JOIN posts p ON p.id = \(unescaped: StoreID.uuidOrNull("e.battle_key")) \(unescaped: Self.feedPostJoins)
                WHERE p.status = 'PUBLISHED'
                ORDER BY (e.shares * 2 + e.remixes * 4) DESC, p.created_at DESC, p.id DESC LIMIT \(limit)
                """
            ).map { row in
                let (candidate, owner) = try Self.feedCandidate(row, counted: true)
                return TrendingBattle(candidate: candidate, ownerID: owner)
            }
        }
    }

    /// The newest published posts of personas the user follows, with their engagement since `since`, and the newest
    /// public templates with their use since `templatesSince`.
    public func feedCandidates(userID: String, engagementSince since: Timestamp, templatesSince: Timestamp) async throws -> FeedInputs {
        let user = StoreID.parse(userID)
        return try await read { db in
            var followed: [FeedBattleCandidate] = []
            if let user {
                // Each battle's engagement by its key: events naming it as the source, plus events naming it as the
                // battle with no source; each half a lookup on one of the two metadata indexes.
                for row in try await db.rows(
                    """
                    SELECT f.*, e.shares, e.remixes FROM (
                      SELECT \(unescaped: Self.feedPostColumns) FROM persona_follows f
                      JOIN posts p ON p.persona_id = f.followed_persona_id AND p.status = 'PUBLISHED' \(unescaped: Self.feedPostJoins)
                      WHERE f.follower_user_id = \(user) ORDER BY p.created_at DESC, p.id DESC LIMIT 20
                    ) f
                    CROSS JOIN LATERAL (
                      SELECT \(unescaped: Self.engagementCountsSQL) FROM (
                        SELECT id, event_name, actor, user_id, created_at FROM events
                        WHERE metadata->>'source_battle_id' = f.id AND created_at >= \(since) AND event_name IN ('battle_shared', 'remix_completed')
                        UNION ALL
                        SELECT id, event_name, actor, user_id, created_at FROM events
                        WHERE metadata->>'battle_id' = f.id AND created_at >= \(since) AND event_name IN ('battle_shared', 'remix_completed')
                          AND COALESCE(metadata->>'source_battle_id', '') = ''
                      ) x
                    ) e
                    ORDER BY f.created_at DESC, f.id DESC
                    """)
                {
                    followed.append(try Self.feedCandidate(row, counted: true).0)
                }
            }
            let templates = try await db.rows(
                """
                SELECT t.id::text, t.name, t.prompt_rules, t.turn_count, t.word_limit, t.created_at,
                  (SELECT COUNT(*) FROM posts p WHERE p.template_id = t.id AND p.status = 'PUBLISHED' AND p.created_at >= \(templatesSince))
                FROM templates t WHERE t.is_public ORDER BY t.created_at DESC, t.id DESC LIMIT 12
                """
            ).map { row in
                let (id, name, rules, turns, words, created, usage) = try row.decode((String, String, String, Int, Int, Timestamp, Int).self)
                return FeedTemplateCandidate(
                    templateID: id, name: name, promptRules: rules, turnCount: turns, wordLimit: words, createdAt: created, usageCount: usage)
            }
            return FeedInputs(followed: followed, templates: templates)
        }
    }

    /// The user's own newest battles (published posts without a persona), for the feed page.
    public func ownBattles(userID: String, limit: Int) async throws -> [FeedBattleCandidate] {
        guard let user = StoreID.parse(userID) else { return [] }
        return try await quick { db in
            try await db.rows(
                """
                SELECT \(unescaped: Self.feedPostColumns) FROM posts p \(unescaped: Self.feedPostJoins)
                WHERE p.user_id = \(user) AND p.persona_id IS NULL AND p.status = 'PUBLISHED'
                ORDER BY p.created_at DESC, p.id DESC LIMIT \(limit)
                """
            ).map { try Self.feedCandidate($0, counted: false).0 }
        }
    }
}
