import Domain
import Hummingbird
import Storage

/// `/app/rooms…` and `/app/posts/{id}`: rooms, a room's posts with the draft and preview forms, and a thread.
struct RoomPagesController: Sendable {
    let kit: PageKit
    let posts: PostService
    let personas: PersonaService

    func addRoutes(to routes: RouteRegistrar) {
        routes.on(.get, "/app/rooms", use: rooms)
        routes.on(.get, "/app/rooms/{id}", use: room)
        routes.on(.get, "/app/posts/{id}", use: thread)
    }

    @Sendable func rooms(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try context.requireUser()
        let rooms: [Room]
        rooms = try await posts.rooms()
        return kit.render(RoomsPage(layout: try await kit.layout("Rooms", context: context, nav: .rooms), rooms: rooms.map(RoomDTO.init)))
    }

    @Sendable func room(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let room = try await posts.room(try Identifiers.uuid(context.pathParameter("id"), label: "room id"))
        let owned = try await personas.list(userID: user)
        let selected = request.uri.queryParameters.get("persona")
        let options = owned.enumerated().map { index, persona in
            SelectOption(value: persona.id, label: persona.fields.name, selected: selected.map { $0 == persona.id } ?? (index == 0))
        }
        let list = try await posts.roomPosts(roomID: room.id, userID: user).map { PostRow(PostDTO($0)) }
        return kit.render(
            RoomPage(
                layout: try await kit.layout(room.name, context: context, nav: .rooms), room: RoomDTO(room),
                personas: options, posts: list))
    }

    @Sendable func thread(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let view = try await posts.thread(postID: try Identifiers.uuid(context.pathParameter("id"), label: "post id"), userID: user)
        let room = try await posts.room(view.post.roomID)
        let pending = try await posts.pendingReplies(postID: view.post.id)
        let dto = PostDTO(view.post)
        let page = ThreadPage(
            layout: try await kit.layout(view.post.personaName.map { "Post by \($0)" } ?? "Post", context: context, nav: .rooms),
            post: dto, author: PostRow(dto).author, roomName: room.name, isDraft: view.post.status == .draft,
            isBattle: view.post.personaID == nil, when: DisplayTime.text(dto.createdAt),
            replies: view.replies.map(ReplyDTO.init), summary: view.summary, pending: pending,
            expected: view.replies.count + pending)
        return kit.render(page)
    }
}
