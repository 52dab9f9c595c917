import Domain
import GRDB
import Storage

/// Analytics reads.
extension SQLiteStore {
    /// Event counts by name since `since24h` and since `since7d`, in one read; each (actor, event name, battle key,
    /// UTC day) counts once (DECISIONS 28); read from the engagement aggregates.
    public func eventCounts(since24h: Timestamp, since7d: Timestamp) async throws -> EventCounts {
        try await read { db in
            func counts(_ since: Timestamp) throws -> [String: Int] {
                var out: [String: Int] = [:]
                for row in try Row.fetchAll(
                    db.cachedStatement(sql: Self.eventCountsSQL), arguments: StatementArguments(Self.windowArguments(since)))
                {
                    out[(row["event_name"] as String).lowercased(), default: 0] += row["n"] as Int
                }
                return out
            }
            return EventCounts(day: try counts(since24h), week: try counts(since7d))
        }
    }

    /// A user's email (nil when the user is gone).
    public func email(userID: String) async throws -> String? {
        try await read { db in
            try String.fetchOne(db.cachedStatement(sql: "SELECT email FROM users WHERE id = ?"), arguments: [userID])
        }
    }
}
