import Domain
import Hummingbird
import Store

/// `/notifications…` (auth): the caller's own notifications only; another user's id is simply not found.
struct NotificationsController: Sendable {
    let database: AppDatabase
    let clock: any AppClock

    func addRoutes(to routes: RouteGroups) {
        routes.protected.on(.get, "/notifications", use: list)
        routes.protected.on(.post, "/notifications/{id}/read", use: markRead)
        routes.protected.on(.post, "/notifications/read-all", use: markAllRead)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> JSONResult<NotificationListDTO> {
        let user = try context.requireUser()
        let limit = try NotificationRules.limit(request.uri.queryParameters.get("limit"))
        let page: (items: [AppDatabase.NotificationRow], unread: Int)
        do { page = try await database.notifications(userID: user, limit: limit) } catch { throw error.asInternal("could not load notifications") }
        return JSONResult(NotificationListDTO(notifications: page.items.map(NotificationDTO.init), unreadCount: page.unread))
    }

    /// The body is ignored.
    @Sendable func markRead(_ request: Request, context: AppRequestContext) async throws -> JSONResult<NotificationReadDTO> {
        let user = try context.requireUser()
        let id = try NotificationRules.id(context.pathParameter("id"))
        let result: (updated: Bool, unread: Int)
        do { result = try await database.markNotificationRead(id: id, userID: user, now: clock.now()) } catch {
            throw error.asInternal("could not mark notification as read")
        }
        return JSONResult(NotificationReadDTO(updated: result.updated, unreadCount: result.unread))
    }

    /// The body is ignored.
    @Sendable func markAllRead(_ request: Request, context: AppRequestContext) async throws -> JSONResult<NotificationReadAllDTO> {
        let user = try context.requireUser()
        let updated: Int
        do { updated = try await database.markAllNotificationsRead(userID: user, now: clock.now()) } catch {
            throw error.asInternal("could not mark notifications as read")
        }
        return JSONResult(NotificationReadAllDTO(updated: updated, unreadCount: 0))
    }
}
