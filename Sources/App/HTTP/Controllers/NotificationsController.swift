import Domain
import Hummingbird
import Storage

/// `/notifications…` (auth): the caller's own notifications only; another user's id is simply not found.
struct NotificationsController: Sendable {
    let service: NotificationService

    func addRoutes(to routes: RouteGroups) {
        routes.protected.on(.get, "/notifications", use: list)
        routes.protected.on(.post, "/notifications/{id}/read", use: markRead)
        routes.protected.on(.post, "/notifications/read-all", use: markAllRead)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> JSONResult<NotificationListDTO> {
        let user = try context.requireUser()
        let limit = try NotificationRules.limit(request.uri.queryParameters.get("limit"))
        let page = try await service.list(userID: user, limit: limit)
        return JSONResult(NotificationListDTO(notifications: page.items.map(NotificationDTO.init), unreadCount: page.unread))
    }

    /// The body is ignored.
    @Sendable func markRead(_ request: Request, context: AppRequestContext) async throws -> JSONResult<NotificationReadDTO> {
        let user = try context.requireUser()
        let id = try NotificationRules.id(context.pathParameter("id"))
        let result = try await service.markRead(id: id, userID: user)
        return JSONResult(NotificationReadDTO(updated: result.updated, unreadCount: result.unread))
    }

    /// The body is ignored.
    @Sendable func markAllRead(_ request: Request, context: AppRequestContext) async throws -> JSONResult<NotificationReadAllDTO> {
        let user = try context.requireUser()
        let updated = try await service.markAllRead(userID: user)
        return JSONResult(NotificationReadAllDTO(updated: updated, unreadCount: 0))
    }
}
