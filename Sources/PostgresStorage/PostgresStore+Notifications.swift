import Domain
import Foundation
import PostgresNIO
import Storage

/// Reading notifications (they are written by `notify` in the transaction of the change that causes them).
extension PostgresStore {
    /// The user's newest notifications and their total unread count, in one read.
    public func notifications(userID: String, limit: Int) async throws -> NotificationPage {
        guard let user = StoreID.parse(userID) else { return NotificationPage(items: [], unread: 0) }
        return try await read { db in
            let items = try await db.rows(
                """
                SELECT id, actor_user_id::text, type, title, body, metadata::text, read_at, created_at FROM notifications
                WHERE user_id = \(user) ORDER BY created_at DESC, id DESC LIMIT \(limit)
                """
            ).map { row in
                let (id, actor, type, title, body, metadata, readAt, created) = try row.decode(
                    (Int64, String?, String, String, String, String, Timestamp?, Timestamp).self)
                return StoredNotification(
                    id: id, actorUserID: actor, type: type, title: title, body: body, metadataJSON: StoredDocument.canonical(metadata),
                    readAt: readAt, createdAt: created)
            }
            return NotificationPage(items: items, unread: try await Self.unreadCount(db, userID: user))
        }
    }

    /// Marks one of the user's unread notifications read; returns whether it changed and the unread count after.
    public func markNotificationRead(id: Int64, userID: String, now: Timestamp) async throws -> (updated: Bool, unread: Int) {
        guard let user = StoreID.parse(userID) else { return (false, 0) }
        return try await write { db in
            let updated =
                try await db.execute("UPDATE notifications SET read_at = \(now) WHERE id = \(id) AND user_id = \(user) AND read_at IS NULL") > 0
            return (updated, try await Self.unreadCount(db, userID: user))
        }
    }

    /// Marks all of the user's unread notifications read; returns how many changed.
    public func markAllNotificationsRead(userID: String, now: Timestamp) async throws -> Int {
        guard let user = StoreID.parse(userID) else { return 0 }
        return try await quick { db in
            try await db.execute("UPDATE notifications SET read_at = \(now) WHERE user_id = \(user) AND read_at IS NULL")
        }
    }

    static func unreadCount(_ db: Connection, userID: UUID) async throws -> Int {
        try await db.value("SELECT COUNT(*) FROM notifications WHERE user_id = \(userID) AND read_at IS NULL", as: Int.self) ?? 0
    }
}

/// The LLM response cache table (`llm_cache`): prompt-keyed provider responses and thread summaries.
extension PostgresStore {
    /// A cached response, if any.
    public func cachedLLMResponse(key: String) async throws -> String? {
        try await quick { db in try await db.value("SELECT response FROM llm_cache WHERE cache_key = \(key)", as: String.self) }
    }

    /// Stores (or replaces) a response.
    public func storeLLMResponse(key: String, operation: String, response: String, now: Timestamp) async throws {
        _ = try await quick { db in
            try await db.execute(
                """
                INSERT INTO llm_cache(cache_key, operation, response, created_at) VALUES (\(key), \(operation), \(response), \(now))
                ON CONFLICT (cache_key) DO UPDATE SET response = EXCLUDED.response, created_at = EXCLUDED.created_at
                """)
        }
    }
}
