import Domain
import GRDB
import Storage

/// The trending pool read from the trending window (migration 0011), so its cost is the battles it returns, not the
/// window's engagement.
///
/// `battle_window_counts` holds each battle's shares and remixes summed over `battle_engagement_days` from
/// `trending_window.start_day` on (triggers add each count as it grows). For a pool since `since`, on day S, with the
/// window starting on S, a battle's stored counts are its counts since S's midnight: its counts since `since` plus the
/// keys of day S seen only before `since` (DECISIONS 28's keys, one primary-key range of `event_actor_days` per
/// battle). So the stored score bounds the exact one from above, and reading battles by stored score, highest first,
/// can stop as soon as `limit` battles score more than any unread battle could: the read touches the pool's battles
/// and the ties at its cut, whatever the number of events or of engaged battles. A window starting on another day is
/// moved first, in one short write (`moveTrendingWindow`).
extension SQLiteStore {
    /// The trending pool's order: 2 per share, 4 per remix (the expression `idx_battle_window_counts_score` indexes
    /// and `trendingSQL` orders by).
    static func poolScore(shares: Int, remixes: Int) -> Int { shares * 2 + remixes * 4 }

    /// The window's first day ('9999-12-31' while empty).
    static let windowStartSQL = "SELECT start_day FROM trending_window WHERE id = 1"

    /// The window's battles that are posts, by stored score, highest first: the score index, then one post lookup each.
    /// The caller skips unpublished posts: a condition on `p.status` here makes SQLite build a Bloom filter over every
    /// post before the first row.
    static let windowBattlesSQL = """
        SELECT w.battle_key, w.shares, w.remixes, p.status, p.created_at
        FROM battle_window_counts w CROSS JOIN posts p ON p.id = w.battle_key
        ORDER BY w.shares * 2 + w.remixes * 4 DESC
        """

    /// Battles' keys of the window's first day whose latest event is before the window's start (arguments: the day, a
    /// JSON array of battle keys, the start): counted in the stored counts, outside the pool.
    static let keysBeforeSinceSQL = """
        SELECT battle_key, SUM(event_name = 'battle_shared'), SUM(event_name = 'remix_completed')
        FROM event_actor_days
        WHERE day = ? AND event_name IN ('battle_shared', 'remix_completed') AND battle_key IN (SELECT value FROM json_each(?))
          AND +last_at < ?
        GROUP BY battle_key
        """

    /// Posts with the feed's columns (argument: a JSON array of ids): the pool's battles, once chosen.
    static let feedPostsSQL = "SELECT \(feedPostColumns) FROM posts p \(feedPostJoins) WHERE p.id IN (SELECT value FROM json_each(?))"

    /// The pool from the window; nil when the window does not start on `since`'s day.
    ///
    /// Battles are read in groups of equal stored score; each group's first-day keys are looked up in one statement,
    /// then the stop rule is checked against the next group's score.
    static func trendingFromWindow(_ db: Database, since: Timestamp, limit: Int) throws -> [TrendingBattle]? {
        let instant = since.storageString
        let day = String(instant.prefix(10))
        guard try String.fetchOne(db.cachedStatement(sql: windowStartSQL)) == day else { return nil }
        let before = try db.cachedStatement(sql: keysBeforeSinceSQL)
        var ranked: [(score: Int, createdAt: String, id: String, shares: Int, remixes: Int)] = []
        var group: [(createdAt: String, id: String, shares: Int, remixes: Int)] = []
        func rankGroup() throws {
            guard !group.isEmpty else { return }
            var early: [String: (shares: Int, remixes: Int)] = [:]
            for row in try Row.fetchAll(before, arguments: [day, StoredJSON.array(group.map(\.id)), instant]) {
                early[row[0]] = (row[1], row[2])
            }
            for battle in group {
                let shares = battle.shares - (early[battle.id]?.shares ?? 0)
                let remixes = battle.remixes - (early[battle.id]?.remixes ?? 0)
                guard shares > 0 || remixes > 0 else { continue }
                ranked.append((poolScore(shares: shares, remixes: remixes), battle.createdAt, battle.id, shares, remixes))
            }
            group.removeAll(keepingCapacity: true)
        }
        var groupBound = Int.max
        let rows = try Row.fetchCursor(db.cachedStatement(sql: windowBattlesSQL))
        while let row = try rows.next() {
            let stored = (shares: row[1] as Int, remixes: row[2] as Int)
            let bound = poolScore(shares: stored.shares, remixes: stored.remixes)
            if bound < groupBound {
                try rankGroup()
                // Every unread battle scores at most `bound`; ties with it may still rank above a read one by recency.
                if ranked.count >= limit && ranked.lazy.filter({ $0.score > bound }).count >= limit { break }
                groupBound = bound
            }
            guard row[3] as String == "PUBLISHED" else { continue }
            group.append((row[4], row[0], stored.shares, stored.remixes))
        }
        try rankGroup()
        // `trendingSQL`'s order: score, then the newest post, then the id (both compared as SQLite compares text).
        ranked.sort { a, b in
            if a.score != b.score { return a.score > b.score }
            if a.createdAt != b.createdAt { return b.createdAt.utf8.lexicographicallyPrecedes(a.createdAt.utf8) }
            return b.id.utf8.lexicographicallyPrecedes(a.id.utf8)
        }
        let chosen = ranked.prefix(limit)
        var posts: [String: Row] = [:]
        for row in try Row.fetchAll(db.cachedStatement(sql: feedPostsSQL), arguments: [StoredJSON.array(chosen.map(\.id))]) {
            posts[row["id"]] = row
        }
        return chosen.compactMap { battle in
            posts[battle.id].map {
                TrendingBattle(candidate: feedCandidate($0, shares: battle.shares, remixes: battle.remixes), ownerID: $0["user_id"])
            }
        }
    }

    /// Moves the window to start on `day`: forward by subtracting the days it leaves, backward (or from empty) by
    /// recounting from `day`. Work in proportion to the days crossed, once per day for the feed's rolling window.
    static func moveTrendingWindow(_ db: Database, to day: String) throws {
        let start = try String.fetchOne(db.cachedStatement(sql: windowStartSQL)) ?? emptyWindowDay
        guard start != day else { return }
        if start < day {
            try db.execute(
                sql: """
                    UPDATE battle_window_counts AS w SET shares = w.shares - d.shares, remixes = w.remixes - d.remixes
                    FROM (\(windowDaysCountsSQL(from: ":start", before: ":day"))) AS d
                    WHERE w.battle_key = d.battle_key
                    """, arguments: ["start": start, "day": day])
            try db.execute(sql: "DELETE FROM battle_window_counts WHERE shares * 2 + remixes * 4 = 0")
        } else {
            try recountTrendingWindow(db, from: day)
        }
        try db.execute(
            sql: "INSERT INTO trending_window(id, start_day) VALUES (1, ?) ON CONFLICT DO UPDATE SET start_day = excluded.start_day",
            arguments: [day])
    }

    /// Recounts the window's battles from the per-day counts of `day` and after.
    static func recountTrendingWindow(_ db: Database, from day: String) throws {
        try db.execute(sql: "DELETE FROM battle_window_counts")
        try db.execute(
            sql: "INSERT INTO battle_window_counts(battle_key, shares, remixes) \(windowDaysCountsSQL(from: ":day", before: nil))",
            arguments: ["day": day])
    }

    /// The start of an empty window (after every day).
    static let emptyWindowDay = "9999-12-31"

    /// Shares and remixes per battle key over the days from the `from` parameter on (and before the `before` one).
    static func windowDaysCountsSQL(from: String, before: String?) -> String {
        """
        SELECT battle_key, SUM(CASE WHEN event_name = 'battle_shared' THEN actors ELSE 0 END) AS shares,
          SUM(CASE WHEN event_name = 'remix_completed' THEN actors ELSE 0 END) AS remixes
        FROM battle_engagement_days
        WHERE event_name IN ('battle_shared', 'remix_completed') AND day >= \(from)\(before.map { " AND day < \($0)" } ?? "")
        GROUP BY battle_key
        """
    }
}
