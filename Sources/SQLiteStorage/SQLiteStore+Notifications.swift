import Domain
import GRDB
import Storage

/// In-app notifications, written in the transaction of the change that causes them.
extension SQLiteStore {
    /// Inserts a notification unless the recipient is blank or is the actor (nobody is notified of their own act).
    static func notify(_ db: Database, _ notice: Notice, now: Timestamp) throws {
        guard !notice.recipient.isEmpty, notice.recipient != notice.actor else { return }
        try db.cachedStatement(
            sql: """
                INSERT INTO notifications(user_id, actor_user_id, type, title, body, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            notice.recipient, notice.actor, notice.kind.rawValue, notice.title.truncatedRunes(120),
            notice.body.truncatedRunes(260), StoredJSON.object(notice.metadata), now.storageString,
        ])
    }
}

/// Reading notifications.
extension SQLiteStore {
    /// The user's newest notifications and their total unread count, in one read.
    public func notifications(userID: String, limit: Int) async throws -> NotificationPage {
        try await read { db in
            let items = try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT id, actor_user_id, type, title, body, metadata, read_at, created_at FROM notifications
                        WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?
                        """), arguments: [userID, limit]
            ).map { row in
                StoredNotification(
                    id: row["id"], actorUserID: row["actor_user_id"], type: row["type"], title: row["title"], body: row["body"],
                    metadataJSON: row["metadata"], readAt: (row["read_at"] as String?).map(Self.timestamp),
                    createdAt: Self.timestamp(row["created_at"]))
            }
            return NotificationPage(items: items, unread: try Self.unreadCount(db, userID: userID))
        }
    }

    /// Marks one of the user's unread notifications read; returns whether it changed and the unread count after.
    public func markNotificationRead(id: Int64, userID: String, now: Timestamp) async throws -> (updated: Bool, unread: Int) {
        try await write { db in
            try db.cachedStatement(sql: "UPDATE notifications SET read_at = ? WHERE id = ? AND user_id = ? AND read_at IS NULL")
                .execute(arguments: [now.storageString, id, userID])
            let updated = db.changesCount > 0
            return (updated, try Self.unreadCount(db, userID: userID))
        }
    }

    /// Marks all of the user's unread notifications read; returns how many changed.
    public func markAllNotificationsRead(userID: String, now: Timestamp) async throws -> Int {
        try await write { db in
            try db.cachedStatement(sql: "UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL")
                .execute(arguments: [now.storageString, userID])
            return db.changesCount
        }
    }

    static func unreadCount(_ db: Database, userID: String) throws -> Int {
        try Int.fetchOne(
            db.cachedStatement(sql: "SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL"),
            arguments: [userID]) ?? 0
    }
}
