import Domain
import Hummingbird
import Storage

/// `/app/battles/new`: start a battle from a template; `?remix={battle id}` asks for a remix intent and
/// prefills the form from it, with the single-use token in a hidden field.
struct BattlePagesController: Sendable {
    let kit: PageKit
    let battles: BattleService
    let personas: PersonaService
    let posts: PostService
    let templateService: TemplateService

    func addRoutes(to routes: RouteRegistrar) {
        routes.on(.get, "/app/battles/new", use: new)
    }

    @Sendable func new(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        var remix: BattleService.RemixIntentView?
        if let source = request.uri.queryParameters.get("remix"), !source.isEmpty {
            remix = try await battles.remixIntent(try Identifiers.uuid(source, label: "battle id"), viewer: context.viewer)
        }
        let rooms = try await posts.rooms()
        let templates = try await templateService.usable(by: user)
        let roomID = remix?.battle.post.roomID
        let templateID = remix?.battle.templateID ?? remix?.suggestions.first?.id
        let fighters = try await personas.list(userID: user).prefix(3).map(\.fields.name)
        let page = NewBattlePage(
            layout: try await kit.layout(remix == nil ? "Start a battle" : "Remix a battle", context: context, nav: .battle),
            rooms: rooms.enumerated().map { index, room in
                SelectOption(value: room.id, label: room.name, selected: roomID.map { $0 == room.id } ?? (index == 0))
            },
            templates: templates.enumerated().map { index, template in
                SelectOption(
                    value: template.id, label: "\(template.name) (\(template.turnCount) turns, \(template.wordLimit) words)",
                    selected: templateID.map { $0 == template.id } ?? (index == 0))
            },
            topic: remix?.topic ?? "", proStyle: remix == nil ? BattleRules.defaultProStyle : BattleRules.remixProStyle,
            conStyle: remix == nil ? BattleRules.defaultConStyle : BattleRules.remixConStyle,
            remixToken: remix?.token, remixOf: remix?.topic, fighters: Array(fighters), canBattle: fighters.count >= 2)
        return kit.render(page)
    }
}
