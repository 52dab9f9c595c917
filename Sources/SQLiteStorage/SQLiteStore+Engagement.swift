import Domain
import GRDB
import Storage

/// Reads of the engagement aggregates (migration 0009) that trending, weekly digests and the admin summary share.
///
/// DECISIONS 28: each (actor, event name, battle key, UTC day) counts once. `event_actor_days` holds each such key
/// once with the time of its latest event, and the per-day counts add one when a key first appears, so a window
/// starting at `since` is the counts of the whole days after `since`'s day plus the keys of `since`'s own day whose
/// latest event is at or after `since`: exactly what counting the raw events since `since` gives, read from the
/// window's days only, however many events were ever written.
extension SQLiteStore {
    /// The battle key of an event: `source_battle_id` when non-empty, else `battle_id` (the aggregates' `battle_key`,
    /// '' when neither).
    static let engagementKeySQL = "COALESCE(NULLIF(metadata->>'source_battle_id',''), NULLIF(metadata->>'battle_id',''))"

    /// DECISIONS 28's key of an event row, as migration 0009's trigger writes it to `event_actor_days`: its UTC day, event
    /// name, battle key ('' when none) and actor (the stored actor, else the user, else the event itself).
    static let eventActorDayKeySQL =
        "substr(created_at, 1, 10), event_name, COALESCE(\(engagementKeySQL), ''), COALESCE(actor, user_id, 'event:' || id)"

    /// The named arguments of a window starting at `since`: its UTC day and the instant itself.
    static func windowArguments(_ since: Timestamp) -> [String: String] {
        let instant = since.storageString
        return ["day": String(instant.prefix(10)), "since": instant]
    }

    /// Shares and remixes per battle key since `:since`, one row per battle with any. (`+last_at` keeps SQLite on the
    /// primary key, which narrows by event name and battle, rather than on the admin summary's (day, last_at) index.)
    static let engagedBattlesSQL = """
        SELECT battle_key,
          SUM(CASE WHEN event_name = 'battle_shared' THEN n ELSE 0 END) AS shares,
          SUM(CASE WHEN event_name = 'remix_completed' THEN n ELSE 0 END) AS remixes
        FROM (
          SELECT battle_key, event_name, actors AS n FROM battle_engagement_days INDEXED BY idx_battle_engagement_days_name_day
          WHERE event_name IN ('battle_shared', 'remix_completed') AND day > :day
          UNION ALL
          SELECT battle_key, event_name, 1 AS n FROM event_actor_days
          WHERE day = :day AND event_name IN ('battle_shared', 'remix_completed') AND battle_key <> '' AND +last_at >= :since
        ) GROUP BY battle_key
        """

    /// One battle's (`:id`) shares and remixes since `:since`: primary-key lookups on both tables.
    static let engagementOfBattleSQL = """
        SELECT COALESCE(SUM(CASE WHEN event_name = 'battle_shared' THEN n END), 0) AS shares,
          COALESCE(SUM(CASE WHEN event_name = 'remix_completed' THEN n END), 0) AS remixes
        FROM (
          SELECT event_name, actors AS n FROM battle_engagement_days
          WHERE battle_key = :id AND event_name IN ('battle_shared', 'remix_completed') AND day > :day
          UNION ALL
          SELECT event_name, 1 AS n FROM event_actor_days
          WHERE day = :day AND event_name IN ('battle_shared', 'remix_completed') AND battle_key = :id AND +last_at >= :since
        )
        """

    /// Per-actor counts by event name since `:since` (the admin summary).
    static let eventCountsSQL = """
        SELECT event_name, SUM(n) AS n FROM (
          SELECT event_name, actors AS n FROM event_name_days WHERE day > :day
          UNION ALL
          SELECT event_name, 1 AS n FROM event_actor_days WHERE day = :day AND last_at >= :since
        ) GROUP BY event_name
        """

    /// Per-actor counts of all events by UTC day since `:since` (the operator console).
    static let eventsPerDaySQL = """
        SELECT day, SUM(n) AS n FROM (
          SELECT day, actors AS n FROM event_name_days WHERE day > :day
          UNION ALL
          SELECT day, 1 AS n FROM event_actor_days INDEXED BY idx_event_actor_days_day_last_at WHERE day = :day AND last_at >= :since
        ) GROUP BY day ORDER BY day
        """
}
