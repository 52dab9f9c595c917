import Domain
import Foundation
import Hummingbird

/// `/b/{id}…`, the share paths of a battle: the thread alias (auth), share metadata and the card.
struct PublicBattlesController: Sendable {
    let battles: BattleService
    let posts: PostService
    let cards: CardService
    let shareBase: String

    func addRoutes(to routes: RouteGroups) {
        routes.protected.on(.get, "/b/{id}", use: thread)
        routes.publicRead.on(.get, "/b/{id}/meta", use: meta)
        routes.publicRead.on(.get, "/b/{id}/card.png", use: card)
    }

    @Sendable func thread(_ request: Request, context: AppRequestContext) async throws -> JSONResult<ThreadDTO> {
        try await PostsController.thread(posts, context: context)
    }

    @Sendable func meta(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try Identifiers.uuid(context.pathParameter("id"), label: "battle id")
        let (battle, topic) = try await battles.meta(id, viewer: context.viewer)
        let template = battle.templateID.map { TemplateRefDTO(id: $0, name: battle.templateName ?? "") }
        let dto = BattleMetaDTO(
            battleID: battle.post.id, roomID: battle.post.roomID, roomName: battle.roomName, topic: topic,
            createdAt: battle.post.createdAt.rfc3339Seconds, template: template,
            shareURL: "\(shareBase)/b/\(battle.post.id)", cardURL: "/b/\(battle.post.id)/card.png")
        return PublicCaching.json(dto, request: request)
    }

    @Sendable func card(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try Identifiers.uuid(context.pathParameter("id"), label: "battle id")
        let battle = try await battles.publicBattle(id, withReplies: true, failure: "could not build battle card")
        let content = cards.content(battle)
        let key = CardService.key(battle, content)
        let etag = "\"battle-card-\(key)\""
        if PublicCaching.matches(request.headers[values: .ifNoneMatch], etag: etag) {
            return PublicCaching.response(Data(), contentType: "image/png", etag: etag, cacheControl: PublicCaching.cardPolicy, request: request)
        }
        let png: [UInt8]
        do { png = try cards.png(content, key: key) } catch { throw error.asInternal("could not render battle card") }
        return PublicCaching.response(Data(png), contentType: "image/png", etag: etag, cacheControl: PublicCaching.cardPolicy, request: request)
    }
}
