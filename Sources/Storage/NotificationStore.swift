import Domain

/// In-app notifications (written by the stores in the transaction of the change that causes them).
public protocol NotificationStore: Sendable {
    /// The user's newest notifications and their total unread count, in one read.
    func notifications(userID: String, limit: Int) async throws -> NotificationPage
    /// Marks one of the user's unread notifications read; returns whether it changed and the unread count after.
    func markNotificationRead(id: Int64, userID: String, now: Timestamp) async throws -> (updated: Bool, unread: Int)
    /// Marks all of the user's unread notifications read; returns how many changed.
    func markAllNotificationsRead(userID: String, now: Timestamp) async throws -> Int
}
