import Domain
import Hummingbird

/// Rooms' posts, drafts, approval, reply generation and threads (API.md §3.5), behind auth.
struct PostsController: Sendable {
    let service: PostService
    let limits: BodyLimits

    func addRoutes(to routes: RouteRegistrar) {
        routes.on(.get, "/rooms/{id}/posts", use: roomPosts)
        routes.on(.post, "/rooms/{id}/posts/draft", use: draft)
        routes.on(.post, "/posts/{id}/approve", use: approve)
        routes.on(.post, "/posts/{id}/generate-replies", use: generateReplies)
        routes.on(.get, "/posts/{id}/thread", use: thread)
        routes.on(.get, "/b/{id}", use: thread)
        routes.on(.post, "/personas/{id}/preview", use: preview)
    }

    @Sendable func roomPosts(_ request: Request, context: AppRequestContext) async throws -> JSONResult<PostListDTO> {
        let user = try context.requireUser()
        let room = try Identifiers.uuid(context.pathParameter("id"), label: "room id")
        return JSONResult(PostListDTO(posts: try await service.roomPosts(roomID: room, userID: user).map { PostDTO($0) }))
    }

    @Sendable func draft(_ request: Request, context: AppRequestContext) async throws -> JSONResult<PostDTO> {
        let user = try context.requireUser()
        let room = try Identifiers.uuid(context.pathParameter("id"), label: "room id")
        let body = try await request.decodeStrict(DraftRequest.self, limit: limits.global)
        let persona = try Identifiers.uuid(body.personaID, label: "persona_id")
        return JSONResult(PostDTO(try await service.createDraft(roomID: room, personaID: persona, userID: user)), status: .created)
    }

    @Sendable func approve(_ request: Request, context: AppRequestContext) async throws -> JSONResult<PostDTO> {
        let user = try context.requireUser()
        let post = try Identifiers.uuid(context.pathParameter("id"), label: "post id")
        let limit = limits.global
        let approved = try await service.approve(postID: post, userID: user) {
            try await request.decodeStrict(ApproveRequest.self, limit: limit, mode: .strictEmptyAllowed)
        }
        return JSONResult(PostDTO(approved, includePersonaName: false))
    }

    @Sendable func generateReplies(_ request: Request, context: AppRequestContext) async throws -> JSONResult<EnqueueDTO> {
        let user = try context.requireUser()
        let post = try Identifiers.uuid(context.pathParameter("id"), label: "post id")
        let limit = limits.global
        let result = try await service.generateReplies(postID: post, userID: user, requestID: context.requestID) {
            try await request.decodeStrict(GenerateRepliesRequest.self, limit: limit, mode: .strictEmptyAllowed)
        }
        return JSONResult(EnqueueDTO(enqueued: result.enqueued, skipped: result.skipped))
    }

    @Sendable func thread(_ request: Request, context: AppRequestContext) async throws -> JSONResult<ThreadDTO> {
        let user = try context.requireUser()
        let post = try Identifiers.uuid(context.pathParameter("id"), label: "post id")
        let view = try await service.thread(postID: post, userID: user)
        return JSONResult(ThreadDTO(post: PostDTO(view.post), replies: view.replies.map(ReplyDTO.init), aiSummary: view.summary))
    }

    @Sendable func preview(_ request: Request, context: AppRequestContext) async throws -> JSONResult<PreviewDTO> {
        let user = try context.requireUser()
        let persona = try Identifiers.uuid(context.pathParameter("id"), label: "persona id")
        let room = try Identifiers.uuid(request.uri.queryParameters.get("room_id") ?? "", label: "room_id")
        let result = try await service.preview(personaID: persona, roomID: room, userID: user)
        let drafts = result.drafts.enumerated().map { PreviewDTO.Draft(label: "AI Preview \($0.offset + 1)", content: $0.element, authoredBy: "AI") }
        return JSONResult(PreviewDTO(drafts: drafts, quota: .init(used: result.used, limit: service.config.defaultPreviewQuota)))
    }
}
