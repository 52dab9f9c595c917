import Domain
import Hummingbird
import Storage
import Web

/// `/app/rooms…` and `/app/posts/{id}`: rooms, a room's posts with the draft and preview forms, and a
/// thread with approval and reply generation. The forms post here (they work without JavaScript) and call
/// the same `PostService` as the `/rooms…` and `/posts…` API routes.
struct RoomPagesController: Sendable {
    let kit: PageKit
    let posts: PostService
    let personas: PersonaService
    /// Cleared when a post is published, as the API route does: it may be on a public profile page.
    /// Told after each change to public data (`publicDataChanged`), which clears the public pages on every node.
    let caches: any CacheInvalidator

    func addRoutes(to routes: RouteRegistrar) {
        routes.on(.get, "/app/rooms", use: rooms)
        routes.on(.get, "/app/rooms/{id}", use: room)
        routes.on(.post, "/app/rooms/{id}/drafts", use: draft)
        routes.on(.post, "/app/rooms/{id}/previews", use: preview)
        routes.on(.get, "/app/posts/{id}", use: thread)
        routes.on(.post, "/app/posts/{id}/approve", use: approve)
        routes.on(.post, "/app/posts/{id}/replies", use: generateReplies)
    }

    @Sendable func rooms(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try context.requireUser()
        let rooms = try await posts.rooms()
        return kit.render(RoomsPage(layout: try await kit.layout("Rooms", context: context, nav: .rooms), rooms: rooms.map(RoomDTO.init)))
    }

    @Sendable func room(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await roomPage(id: try roomID(context), context: context, persona: request.uri.queryParameters.get("persona"))
    }

    @Sendable func draft(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let room = try roomID(context)
        let fields = try await kit.forms.read(request, context: context)
        do {
            let persona = try Identifiers.uuid(try fields.string("persona_id"), label: "persona_id")
            let post = try await posts.createDraft(roomID: room, personaID: persona, userID: user)
            return HTMLPage.redirect(to: "/app/posts/\(post.id)")
        } catch {
            let failure = try FormError.from(error)
            return try await roomPage(id: room, context: context, persona: fields["persona_id"], draftError: failure.message).failed(failure)
        }
    }

    /// Previews are not stored, so this answers with the room page showing them rather than a redirect;
    /// posting again only asks for new previews (each counts against the preview quota, as in the API).
    @Sendable func preview(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let room = try roomID(context)
        let fields = try await kit.forms.read(request, context: context)
        do {
            let persona = try Identifiers.uuid(try fields.string("persona_id"), label: "persona id")
            let result = try await posts.preview(personaID: persona, roomID: room, userID: user)
            let previews = result.drafts.enumerated().map { RoomPage.Preview(label: "AI Preview \($0.offset + 1)", content: $0.element) }
            return try await roomPage(
                id: room, context: context, persona: persona, previews: previews,
                previewStatus: "Previews used today: \(result.used) of \(posts.config.defaultPreviewQuota).")
        } catch {
            let failure = try FormError.from(error)
            return try await roomPage(id: room, context: context, persona: fields["persona_id"], previewError: failure.message).failed(failure)
        }
    }

    @Sendable func thread(_ request: Request, context: AppRequestContext) async throws -> Response {
        // After "Generate replies" without JavaScript: what was queued, from the redirect's query.
        let query = request.uri.queryParameters
        var notice: String?
        if let enqueued = query.get("enqueued").flatMap({ Int($0) }), let skipped = query.get("skipped").flatMap({ Int($0) }) {
            notice = ThreadPage.queuedNotice(enqueued: enqueued, skipped: skipped)
        }
        return try await threadPage(id: try postID(context), context: context, generateNotice: notice)
    }

    @Sendable func approve(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let post = try postID(context)
        let fields = try await kit.forms.read(request, context: context)
        do {
            let content = try fields.string("content")
            _ = try await posts.approve(postID: post, userID: user) { try ApproveRequest(JSONObjectReader(fields: ["content": .string(content)])) }
            await caches.publicDataChanged()
            return HTMLPage.redirect(to: "/app/posts/\(post)")
        } catch {
            let failure = try FormError.from(error)
            return try await threadPage(id: post, context: context, approve: (fields["content"] ?? "", failure.message)).failed(failure)
        }
    }

    @Sendable func generateReplies(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let post = try postID(context)
        _ = try await kit.forms.read(request, context: context)
        do {
            let result = try await posts.generateReplies(postID: post, userID: user, requestID: context.requestID) {
                try GenerateRepliesRequest(JSONObjectReader(fields: [:]))
            }
            return HTMLPage.redirect(to: "/app/posts/\(post)?enqueued=\(result.enqueued)&skipped=\(result.skipped)")
        } catch {
            let failure = try FormError.from(error)
            return try await threadPage(id: post, context: context, generateError: failure.message).failed(failure)
        }
    }

    private func roomPage(
        id: String, context: AppRequestContext, persona selected: String?, draftError: String? = nil, previewError: String? = nil,
        previews: [RoomPage.Preview] = [], previewStatus: String? = nil
    ) async throws -> Response {
        let user = try context.requireUser()
        let room = try await posts.room(id)
        let owned = try await personas.list(userID: user)
        let chosen = owned.contains { $0.id == selected } ? selected : nil
        let options = owned.enumerated().map { index, persona in
            SelectOption(value: persona.id, label: persona.fields.name, selected: chosen.map { $0 == persona.id } ?? (index == 0))
        }
        let list = try await posts.roomPosts(roomID: room.id, userID: user).map { PostRow(PostDTO($0)) }
        return kit.render(
            RoomPage(
                layout: try await kit.layout(room.name, context: context, nav: .rooms), room: RoomDTO(room),
                personas: options, posts: list, draftError: draftError, previewError: previewError, previews: previews,
                previewStatus: previewStatus))
    }

    private func threadPage(
        id: String, context: AppRequestContext, approve: (content: String, error: String)? = nil, generateError: String? = nil,
        generateNotice: String? = nil
    ) async throws -> Response {
        let user = try context.requireUser()
        let view = try await posts.thread(postID: id, userID: user)
        let room = try await posts.room(view.post.roomID)
        let pending = try await posts.pendingReplies(postID: view.post.id)
        let dto = PostDTO(view.post)
        let page = ThreadPage(
            layout: try await kit.layout(view.post.personaName.map { "Post by \($0)" } ?? "Post", context: context, nav: .rooms),
            post: dto, author: PostRow(dto).author, roomName: room.name, isDraft: view.post.status == .draft,
            isBattle: view.post.personaID == nil, when: DisplayTime.text(dto.createdAt),
            replies: view.replies.map(ReplyDTO.init), summary: view.summary, pending: pending,
            expected: view.replies.count + pending, draftText: approve?.content ?? dto.content, approveError: approve?.error,
            generateError: generateError, generateNotice: generateNotice)
        return kit.render(page)
    }

    private func roomID(_ context: AppRequestContext) throws -> String {
        try Identifiers.uuid(context.pathParameter("id"), label: "room id")
    }

    private func postID(_ context: AppRequestContext) throws -> String {
        try Identifiers.uuid(context.pathParameter("id"), label: "post id")
    }
}
