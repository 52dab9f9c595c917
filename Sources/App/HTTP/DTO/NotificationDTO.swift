import Domain
import Storage

/// A notification; `actor_user_id` and `read_at` are omitted when empty, `metadata` is always an object.
struct NotificationDTO: Encodable, Sendable {
    let id: Int64
    let actorUserID: String?
    let type: String
    let title: String
    let body: String
    let metadata: JSONValue
    let readAt: String?
    let createdAt: String

    enum CodingKeys: String, CodingKey {
        case id, actorUserID = "actor_user_id", type, title, body, metadata, readAt = "read_at", createdAt = "created_at"
    }

    init(_ n: StoredNotification) {
        id = n.id
        actorUserID = n.actorUserID
        type = n.type
        title = n.title
        body = n.body
        metadata = JSONValue.storedObject(n.metadataJSON)
        readAt = n.readAt?.rfc3339
        createdAt = n.createdAt.rfc3339
    }
}

/// `GET /notifications`.
struct NotificationListDTO: Encodable, Sendable {
    let notifications: [NotificationDTO]
    let unreadCount: Int

    enum CodingKeys: String, CodingKey { case notifications, unreadCount = "unread_count" }
}

/// `POST /notifications/{id}/read`.
struct NotificationReadDTO: Encodable, Sendable {
    let updated: Bool
    let unreadCount: Int

    enum CodingKeys: String, CodingKey { case updated, unreadCount = "unread_count" }
}

/// `POST /notifications/read-all`.
struct NotificationReadAllDTO: Encodable, Sendable {
    let updated: Int
    let unreadCount: Int

    enum CodingKeys: String, CodingKey { case updated, unreadCount = "unread_count" }
}
