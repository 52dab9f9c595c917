import GRDB

/// Bulk loads of events (`seed --demo-scale`): the rows go in without migration 0009's per-event triggers, then are
/// counted into the engagement aggregates set-based, exactly as the triggers would have counted them one by one.
extension SQLiteStore {
    /// The tables whose triggers and secondary indexes a bulk load of events suspends: the events and the aggregates
    /// their triggers keep.
    static let bulkLoadedTables = ["events", "event_actor_days", "battle_engagement_days"]

    /// Drops the triggers and secondary indexes of `bulkLoadedTables` and returns their definitions; the caller's
    /// transaction recreates them (`restore`) before it commits, so no other connection sees the tables without them.
    static func suspendEventTriggersAndIndexes(_ db: Database) throws -> [(type: String, name: String, sql: String)] {
        let tables = bulkLoadedTables.map { "'\($0)'" }.joined(separator: ", ")
        let objects = try Row.fetchAll(
            db,
            sql: """
                SELECT type, name, sql FROM sqlite_master
                WHERE type IN ('trigger', 'index') AND tbl_name IN (\(tables)) AND sql IS NOT NULL ORDER BY type, name
                """
        ).map { (type: $0["type"] as String, name: $0["name"] as String, sql: $0["sql"] as String) }
        for object in objects { try db.execute(sql: "DROP \(object.type == "trigger" ? "TRIGGER" : "INDEX") \(quoted(object.name))") }
        return objects
    }

    /// Recreates what `suspendEventTriggersAndIndexes` dropped: indexes first (each built by one sort), then triggers.
    static func restore(_ db: Database, _ objects: [(type: String, name: String, sql: String)]) throws {
        for object in objects where object.type == "index" { try db.execute(sql: object.sql) }
        for object in objects where object.type == "trigger" { try db.execute(sql: object.sql) }
    }

    /// Events counted per statement by `aggregateBulkEvents` (bounds the temporary table of their keys).
    static let bulkAggregateChunk: Int64 = 1_000_000

    /// Counts the events with id above `lastID`, written while the triggers were suspended, into the aggregates as the
    /// triggers would have: each (day, event name, battle key, actor) key not yet in `event_actor_days` adds one to
    /// its day's counts, and every key keeps its latest time. In chunks of `chunk` events by id; a key seen
    /// by an earlier chunk is in `event_actor_days` by then, so it is counted once, as the triggers count it.
    static func aggregateBulkEvents(_ db: Database, after lastID: Int64, chunk: Int64 = bulkAggregateChunk) throws {
        let maxID = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM events") ?? 0
        try db.execute(
            sql: """
                CREATE TEMP TABLE bulk_event_keys (
                  day TEXT NOT NULL, event_name TEXT NOT NULL, battle_key TEXT NOT NULL, actor TEXT NOT NULL, last_at TEXT NOT NULL,
                  PRIMARY KEY (day, event_name, battle_key, actor)
                ) WITHOUT ROWID
                """)
        defer { try? db.execute(sql: "DROP TABLE temp.bulk_event_keys") }
        var low = lastID
        while low < maxID {
            let high = min(maxID, low + chunk)
            let chunk: StatementArguments = ["low": low, "high": high]
            try db.execute(sql: "DELETE FROM temp.bulk_event_keys")
            try db.execute(
                sql: """
                    INSERT INTO temp.bulk_event_keys(day, event_name, battle_key, actor, last_at)
                    SELECT \(eventActorDayKeySQL), created_at FROM events WHERE id > :low AND id <= :high
                    ON CONFLICT DO UPDATE SET last_at = excluded.last_at WHERE excluded.last_at > last_at
                    """, arguments: chunk)
            try db.execute(
                sql: """
                    INSERT INTO event_name_days(day, event_name, actors)
                    SELECT day, event_name, COUNT(*) FROM temp.bulk_event_keys k WHERE NOT EXISTS (\(knownKeySQL)) GROUP BY day, event_name
                    ON CONFLICT DO UPDATE SET actors = actors + excluded.actors
                    """)
            try db.execute(
                sql: """
                    INSERT INTO battle_engagement_days(battle_key, event_name, day, actors)
                    SELECT battle_key, event_name, day, COUNT(*) FROM temp.bulk_event_keys k
                    WHERE battle_key <> '' AND NOT EXISTS (\(knownKeySQL)) GROUP BY battle_key, event_name, day
                    ON CONFLICT DO UPDATE SET actors = actors + excluded.actors
                    """)
            try db.execute(
                sql: """
                    INSERT INTO event_actor_days(day, event_name, battle_key, actor, last_at)
                    SELECT day, event_name, battle_key, actor, last_at FROM temp.bulk_event_keys WHERE true
                    ON CONFLICT DO UPDATE SET last_at = excluded.last_at WHERE excluded.last_at > last_at
                    """)
            low = high
        }
        // The trending window's counts, which the suspended triggers of battle_engagement_days keep, from its start.
        try recountTrendingWindow(db, from: try String.fetchOne(db, sql: windowStartSQL) ?? emptyWindowDay)
    }

    /// Whether key `k` is already in `event_actor_days` (a primary-key lookup).
    private static let knownKeySQL = """
        SELECT 1 FROM event_actor_days a WHERE a.day = k.day AND a.event_name = k.event_name AND a.battle_key = k.battle_key AND a.actor = k.actor
        """

    private static func quoted(_ name: String) -> String { "\"" + name.replacing("\"", with: "\"\"") + "\"" }
}
