import Domain
import Foundation
import Hummingbird
import Storage
import Web

/// `/app/feed`, `/app/notifications`, `/app/digest` and `/app/templates`: what comes to the user, and the
/// templates battles start from. The forms post here (they work without JavaScript) and call the same
/// services as `/templates` and `/notifications…`.
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
        routes.on(.post, "/app/notifications/read-all", use: markAllRead)
        routes.on(.post, "/app/notifications/{id}/read", use: markRead)
        routes.on(.get, "/app/digest", use: digest)
        routes.on(.get, "/app/templates", use: templatesPage)
        routes.on(.post, "/app/templates", use: createTemplate)
    }

    @Sendable func feedPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let dto = FeedDTO(try await feed.feed(userID: user))
        let own = try await feed.ownBattles(userID: user)
        return kit.render(
            FeedPage(
                layout: try await kit.layout("Feed", context: context, nav: .feed), items: dto.items.map(FeedPage.item),
                highlight: FeedPage.highlight(dto.highlightTemplate),
                own: own.map {
                    FeedPage.Own(
                        id: $0.battleID, headline: BattleTopic.capped($0.content), roomName: $0.roomName,
                        when: DisplayTime.text($0.createdAt.rfc3339))
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

    @Sendable func markRead(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let id = try NotificationRules.id(context.pathParameter("id"))
        _ = try await kit.forms.read(request, context: context)
        _ = try await notifications.markRead(id: id, userID: user)
        return HTMLPage.redirect(to: "/app/notifications")
    }

    @Sendable func markAllRead(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        _ = try await kit.forms.read(request, context: context)
        _ = try await notifications.markAllRead(userID: user)
        return HTMLPage.redirect(to: "/app/notifications")
    }

    @Sendable func digest(_ request: Request, context: AppRequestContext) async throws -> Response {
        let dto = WeeklyDigestResponseDTO(try await digests.weekly(userID: try context.requireUser()))
        return kit.render(
            WeeklyDigestPage(
                layout: try await kit.layout("Weekly digest", context: context, nav: .digest),
                digest: dto.digest, exists: dto.exists, isCurrentWeek: dto.isCurrentWeek))
    }

    @Sendable func templatesPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await templatesPage(context: context, form: TemplatesPage.Form())
    }

    /// Creates a template under the `template_create` limit of `POST /templates`.
    @Sendable func createTemplate(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let fields = try await kit.forms.read(request, context: context)
        do {
            try await kit.forms.limit(.templateCreate, context: context)
            let input = TemplateInput(
                name: try fields.string("name"), promptRules: try fields.string("prompt_rules"),
                turnCount: try fields.int("turn_count"), wordLimit: try fields.int("word_limit"), isPublic: fields.has("is_public"))
            _ = try await templates.create(input, userID: user)
            return HTMLPage.redirect(to: "/app/templates")
        } catch {
            let failure = try FormError.from(error)
            let form = TemplatesPage.Form(
                name: fields["name"] ?? "", promptRules: fields["prompt_rules"] ?? "", turnCount: fields["turn_count"] ?? "",
                wordLimit: fields["word_limit"] ?? "", isPublic: fields.has("is_public"), error: failure.message)
            return try await templatesPage(context: context, form: form).failed(failure)
        }
    }

    private func templatesPage(context: AppRequestContext, form: TemplatesPage.Form) async throws -> Response {
        let user = try context.requireUser()
        let list = try await templates.usable(by: user)
        return kit.render(
            TemplatesPage(
                layout: try await kit.layout("Battle templates", context: context, nav: .templates),
                templates: list.map(TemplatesPage.row), form: form))
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
