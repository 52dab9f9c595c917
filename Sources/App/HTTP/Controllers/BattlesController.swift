import Domain
import Hummingbird

/// `/battles/{id}/remix-intent`: no login needed; the token rides in the body of the
/// battle it seeds, and is also set as the `pw_remix_intent` cookie.
struct BattlesController: Sendable {
    let service: BattleService

    func addRoutes(to routes: RouteGroups) {
        routes.publicRead.on(.post, "/battles/{id}/remix-intent", use: remixIntent)
    }

    @Sendable func remixIntent(_ request: Request, context: AppRequestContext) async throws -> Response {
        let raw = context.pathParameter("id")
        let id = try Identifiers.uuid(raw, label: "battle id")
        let view = try await service.remixIntent(id, viewer: context.viewer)
        let roomID = view.battle.post.roomID
        let dto = RemixIntentDTO(
            battleID: raw, roomID: roomID, roomName: view.battle.roomName, topic: view.topic,
            proStyle: BattleRules.remixProStyle, conStyle: BattleRules.remixConStyle,
            suggestedTemplates: view.suggestions.map {
                SuggestedTemplateDTO(id: $0.id, name: $0.name, turnCount: $0.turnCount, wordLimit: $0.wordLimit)
            },
            remixToken: view.token, remixTokenExpires: view.expires.rfc3339Seconds,
            targetCreateRoute: "/rooms/\(roomID)/battles", targetBattleSource: raw)
        return JSONOutput.response(dto, status: .ok, headers: [.setCookie: service.remixCookie(token: view.token), .cacheControl: "no-store"])
    }
}
