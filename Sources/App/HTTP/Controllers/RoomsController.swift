import Domain
import Hummingbird
import Storage

/// `/rooms` and the routes under a room: its posts, drafts and battles, behind auth.
struct RoomsController: Sendable {
    let posts: PostService
    let battles: BattleService
    let limits: BodyLimits

    func addRoutes(to routes: RouteGroups) {
        routes.protected.on(.get, "/rooms", use: list)
        routes.protected.on(.get, "/rooms/{id}/posts", use: roomPosts)
        routes.protected.on(.post, "/rooms/{id}/posts/draft", use: draft)
        routes.battleCreate.on(.post, "/rooms/{id}/battles", use: createBattle)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> JSONResult<RoomListDTO> {
        JSONResult(RoomListDTO(rooms: try await posts.rooms().map(RoomDTO.init)))
    }

    @Sendable func roomPosts(_ request: Request, context: AppRequestContext) async throws -> JSONResult<PostListDTO> {
        let user = try context.requireUser()
        let room = try Identifiers.uuid(context.pathParameter("id"), label: "room id")
        return JSONResult(PostListDTO(posts: try await posts.roomPosts(roomID: room, userID: user).map { PostDTO($0) }))
    }

    @Sendable func draft(_ request: Request, context: AppRequestContext) async throws -> JSONResult<PostDTO> {
        let user = try context.requireUser()
        let room = try Identifiers.uuid(context.pathParameter("id"), label: "room id")
        let body = try await request.decodeStrict(DraftRequest.self, limit: limits.global)
        let persona = try Identifiers.uuid(body.personaID, label: "persona_id")
        return JSONResult(PostDTO(try await posts.createDraft(roomID: room, personaID: persona, userID: user)), status: .created)
    }

    /// Creates a battle; a remix clears the remix cookie.
    @Sendable func createBattle(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let room = try Identifiers.uuid(context.pathParameter("id"), label: "room id")
        let limit = limits.global
        let created = try await battles.create(roomID: room, userID: user, requestID: context.requestID) {
            try await request.decodeStrict(BattleCreateRequest.self, limit: limit).value
        }
        let post = created.battle.post
        let dto = BattleCreatedDTO(
            battleID: post.id, post: PostDTO(post, includePersonaName: false), roomName: created.roomName,
            template: TemplateDTO(created.battle.template), enqueuedReplies: created.battle.enqueued,
            remixUsed: created.remixUsed, suggestedNextURL: "/b/\(post.id)")
        var headers: HTTPFields = [:]
        if created.remixUsed { headers[.setCookie] = battles.remixCookie(token: nil) }
        return JSONOutput.response(dto, status: .created, headers: headers)
    }
}
