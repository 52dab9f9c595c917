import Domain
import Hummingbird
import Storage

/// `/posts/{id}/…`: approval, reply generation and threads, behind auth.
struct PostsController: Sendable {
    let service: PostService
    let limits: BodyLimits
    /// Cleared when a post is published: it may be on a public profile page.
    /// Told after each change to public data (`publicDataChanged`), which clears the public pages on every node.
    let caches: any CacheInvalidator

    func addRoutes(to routes: RouteGroups) {
        routes.protected.on(.post, "/posts/{id}/approve", use: approve)
        routes.protected.on(.post, "/posts/{id}/generate-replies", use: generateReplies)
        routes.protected.on(.get, "/posts/{id}/thread", use: thread)
    }

    @Sendable func approve(_ request: Request, context: AppRequestContext) async throws -> JSONResult<PostDTO> {
        let user = try context.requireUser()
        let post = try Identifiers.uuid(context.pathParameter("id"), label: "post id")
        let limit = limits.global
        let approved = try await service.approve(postID: post, userID: user) {
            try await request.decodeStrict(ApproveRequest.self, limit: limit, mode: .strictEmptyAllowed)
        }
        await caches.publicDataChanged()
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
        try await Self.thread(service, context: context)
    }

    /// The thread view, shared with its `/b/{id}` alias.
    static func thread(_ service: PostService, context: AppRequestContext) async throws -> JSONResult<ThreadDTO> {
        let user = try context.requireUser()
        let post = try Identifiers.uuid(context.pathParameter("id"), label: "post id")
        let view = try await service.thread(postID: post, userID: user)
        return JSONResult(ThreadDTO(post: PostDTO(view.post), replies: view.replies.map(ReplyDTO.init), aiSummary: view.summary))
    }
}
