import Domain
import GRDB

/// In-app notifications, written in the transaction of the change that causes them.
extension AppDatabase {
    /// Inserts a notification unless the recipient is blank or is the actor (nobody is notified of their own act).
    static func notify(_ db: Database, _ notice: Notice, now: Timestamp) throws {
        guard !notice.recipient.isEmpty, notice.recipient != notice.actor else { return }
        try db.cachedStatement(sql: """
            INSERT INTO notifications(user_id, actor_user_id, type, title, body, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [notice.recipient, notice.actor, notice.kind.rawValue, notice.title.truncatedRunes(120),
                                     notice.body.truncatedRunes(260), JSONText.object(notice.metadata), now.storageString])
    }
}
