import Domain
import Hummingbird
import Storage
import Web

/// `/app/battles/new`: start a battle from a template; `?remix={battle id}` asks for a remix intent and
/// prefills the form from it, with the single-use token in a hidden field (never in a URL). The form posts
/// to `/app/battles` (works without JavaScript), which calls the same `BattleService` under the same
/// `battle_create` limit as `POST /rooms/{id}/battles`.
struct BattlePagesController: Sendable {
    let kit: PageKit
    let battles: BattleService
    let personas: PersonaService
    let posts: PostService
    let templateService: TemplateService

    /// What the form shows: a remix's prefill, or what was posted when starting the battle failed.
    struct Prefill: Sendable {
        var roomID: String?
        var templateID: String?
        var topic = ""
        var proStyle = BattleRules.defaultProStyle
        var conStyle = BattleRules.defaultConStyle
        var remixToken: String?
        var remixOf: String?
        var error: String?
    }

    func addRoutes(to routes: RouteRegistrar) {
        routes.on(.get, "/app/battles/new", use: new)
        routes.on(.post, "/app/battles", use: create)
    }

    @Sendable func new(_ request: Request, context: AppRequestContext) async throws -> Response {
        var prefill = Prefill()
        if let source = request.uri.queryParameters.get("remix"), !source.isEmpty {
            let remix = try await battles.remixIntent(try Identifiers.uuid(source, label: "battle id"), viewer: context.viewer)
            prefill = Prefill(
                roomID: remix.battle.post.roomID, templateID: remix.battle.templateID ?? remix.suggestions.first?.id,
                topic: remix.topic, proStyle: BattleRules.remixProStyle, conStyle: BattleRules.remixConStyle,
                remixToken: remix.token, remixOf: remix.topic)
        }
        return try await page(context: context, prefill: prefill)
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let fields = try await kit.forms.read(request, context: context)
        do {
            try await kit.forms.limit(.battleCreate, context: context)
            let room = try Identifiers.uuid(try fields.string("room_id"), label: "room id")
            let value = BattleService.CreateRequest(
                topic: try fields.string("topic"), templateID: try fields.string("template_id"),
                remixToken: try fields.string("remix_token"), proStyle: try fields.string("pro_style"),
                conStyle: try fields.string("con_style"))
            let created = try await battles.create(roomID: room, userID: user, requestID: context.requestID) { value }
            var headers: HTTPFields = [:]
            if created.remixUsed { headers[.setCookie] = battles.remixCookie(token: nil) }
            return HTMLPage.redirect(to: "/b/\(created.battle.post.id)", headers: headers)
        } catch {
            let failure = try FormError.from(error)
            let token = fields["remix_token"].flatMap { $0.isEmpty ? nil : $0 }
            let prefill = Prefill(
                roomID: fields["room_id"], templateID: fields["template_id"], topic: fields["topic"] ?? "",
                proStyle: fields["pro_style"] ?? "", conStyle: fields["con_style"] ?? "", remixToken: token,
                error: failure.message)
            return try await page(context: context, prefill: prefill).failed(failure)
        }
    }

    private func page(context: AppRequestContext, prefill: Prefill) async throws -> Response {
        let user = try context.requireUser()
        let rooms = try await posts.rooms()
        let templates = try await templateService.usable(by: user)
        let fighters = try await personas.list(userID: user).prefix(3).map(\.fields.name)
        let remixing = prefill.remixToken != nil
        let page = NewBattlePage(
            layout: try await kit.layout(remixing ? "Remix a battle" : "Start a battle", context: context, nav: .battle),
            rooms: rooms.enumerated().map { index, room in
                SelectOption(value: room.id, label: room.name, selected: prefill.roomID.map { $0 == room.id } ?? (index == 0))
            },
            templates: templates.enumerated().map { index, template in
                SelectOption(
                    value: template.id,
                    label: "\(template.name) (\(Plural.count(template.turnCount, "turn")), \(Plural.count(template.wordLimit, "word")))",
                    selected: prefill.templateID.map { $0 == template.id } ?? (index == 0))
            },
            topic: prefill.topic, proStyle: prefill.proStyle, conStyle: prefill.conStyle, remixToken: prefill.remixToken,
            remixOf: prefill.remixOf, fighters: Array(fighters), canBattle: fighters.count >= 2, error: prefill.error)
        return kit.render(page)
    }
}
