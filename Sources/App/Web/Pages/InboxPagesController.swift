import Domain
import Foundation
import Hummingbird
import Storage

/// `/app/feed`, `/app/notifications`, `/app/digest` and `/app/templates`: what comes to the user, and the
/// templates battles start from.
struct InboxPagesController: Sendable {
    let kit: PageKit
    let feed: FeedService
    let digests: DigestService
    let notifications: NotificationService
    let templates: TemplateService
    let clock: any AppClock

    func addRoutes(to routes: RouteRegistrar) {
        routes.on(.get, "/app/feed", use: feedPage)
        routes.on(.get, "/app/notifications", use: notificationsPage)
        routes.on(.get, "/app/digest", use: digest)
        routes.on(.get, "/app/templates", use: templatesPage)
    }

    @Sendable func feedPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let dto = FeedDTO(try await feed.feed(userID: user))
        let own = try await feed.ownBattles(userID: user)
        let items = dto.items.map {
            FeedPage.Item(
                battle: $0.battle, template: $0.template, reason: $0.reason,
                when: $0.battle.map { DisplayTime.text($0.createdAt) } ?? "")
        }
        return kit.render(
            FeedPage(
                layout: try await kit.layout("Feed", context: context, nav: .feed), items: items,
                highlight: dto.highlightTemplate,
                own: own.map {
                    FeedPage.Own(
                        id: $0.battleID, headline: BattleSummary.headline(content: $0.content, roomName: $0.roomName),
                        roomName: $0.roomName, when: DisplayTime.text($0.createdAt.rfc3339))
                }))
    }

    @Sendable func notificationsPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let page = try await notifications.list(userID: user, limit: 100)
        let items = page.items.map { row in
            NotificationsPage.Item(
                id: row.id, title: row.title, body: row.body, unread: row.readAt == nil,
                when: DisplayTime.text(row.createdAt.rfc3339), link: Self.link(row.metadataJSON))
        }
        return kit.render(
            NotificationsPage(
                layout: try await kit.layout("Notifications", context: context, nav: .notifications),
                items: items, unreadCount: page.unread))
    }

    @Sendable func digest(_ request: Request, context: AppRequestContext) async throws -> Response {
        let dto = WeeklyDigestResponseDTO(try await digests.weekly(userID: try context.requireUser()))
        return kit.render(
            WeeklyDigestPage(
                layout: try await kit.layout("Weekly digest", context: context, nav: .digest),
                digest: dto.digest, exists: dto.exists, isCurrentWeek: dto.isCurrentWeek))
    }

    @Sendable func templatesPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let list = try await templates.usable(by: user)
        return kit.render(
            TemplatesPage(
                layout: try await kit.layout("Battle templates", context: context, nav: .templates),
                templates: list.map(TemplateDTO.init)))
    }

    /// Where a notification leads: the battle it is about, else the persona.
    static func link(_ metadataJSON: String) -> String? {
        guard case .object(let fields) = JSONValue.storedObject(metadataJSON) else { return nil }
        func string(_ key: String) -> String? {
            guard case .string(let value)? = fields.last(where: { $0.0 == key })?.1 else { return nil }
            return value
        }
        for key in ["battle_id", "new_battle_id", "post_id"] {
            if let id = string(key), (try? Identifiers.uuid(id, label: key)) != nil { return "/b/\(id)" }
        }
        if let id = string("persona_id"), (try? Identifiers.uuid(id, label: "persona_id")) != nil { return "/app/personas/\(id)" }
        return nil
    }
}
