import Domain
import Storage

/// The caller's notifications: list, mark one or all read.
struct NotificationService: Sendable {
    let store: any NotificationStore
    let clock: any AppClock

    func list(userID: String, limit: Int) async throws -> NotificationPage {
        do { return try await store.notifications(userID: userID, limit: limit) } catch { throw error.asInternal("could not load notifications") }
    }

    func markRead(id: Int64, userID: String) async throws -> (updated: Bool, unread: Int) {
        do { return try await store.markNotificationRead(id: id, userID: userID, now: clock.now()) } catch {
            throw error.asInternal("could not mark notification as read")
        }
    }

    func markAllRead(userID: String) async throws -> Int {
        do { return try await store.markAllNotificationsRead(userID: userID, now: clock.now()) } catch {
            throw error.asInternal("could not mark notifications as read")
        }
    }
}
