import Domain
import Hummingbird
import Storage
import Web

/// The pages behind the share links, `/p/{slug}` and `/b/{id}`, for anonymous visitors and signed-in users
/// alike. They work without JavaScript. `PageNegotiationMiddleware` sends browsers here; API clients get the
/// contract's JSON from the same paths.
struct PublicPagesController: Sendable {
    let kit: PageKit
    let profiles: PublicProfileService
    let battles: BattleService
    let posts: PostService

    @Sendable func profile(_ request: Request, context: AppRequestContext) async throws -> Response {
        let slug = context.pathParameter("slug")
        let cursor = request.uri.queryParameters.get("cursor") ?? ""
        let page = try await profiles.profilePage(slug: slug, viewer: context.viewer)
        var posts = page.posts
        if !cursor.isEmpty { posts = try await profiles.posts(slug: page.persona.slug, cursor: cursor) }
        let dto = PublicProfileDTO(page.persona)
        let items = posts.posts.map {
            ProfilePage.PostItem(
                id: $0.id, roomName: $0.roomName, content: $0.content, when: DisplayTime.text($0.createdAt.rfc3339),
                isBattle: $0.authoredBy == .human)
        }
        let base = "/p/\(FormBody.encode(dto.slug))"
        let more = posts.nextCursor.isEmpty ? nil : "\(base)?cursor=\(FormBody.encode(posts.nextCursor))"
        let signup = "/signup?next=\(FormBody.encode(base))&reason=follow&share_slug=\(FormBody.encode(dto.slug))"
        let description = dto.bio.isEmpty ? "\(dto.name) on PersonaWorlds" : Excerpt.of(dto.bio, max: 180)
        let layout = try await kit.layout(dto.name, context: context, description: description)
        let view = ProfilePage(
            layout: layout, profile: dto, posts: items, topRooms: page.rooms.map(RoomStatDTO.init), moreLink: more,
            signedIn: layout.user != nil, followSignup: signup, isLaterPage: !cursor.isEmpty)
        return kit.render(view, caching: layout.user == nil ? .publicShort : .noStore)
    }

    @Sendable func battle(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try Identifiers.uuid(context.pathParameter("id"), label: "battle id")
        let battle = try await battles.publicBattle(id, withReplies: true, failure: "could not load battle")
        battles.recordView(battle, viewer: context.viewer)
        let summary = BattleSummary(
            content: battle.post.content, roomName: battle.roomName, personaName: battle.post.personaName,
            replies: battle.replies.map { ($0.personaName, $0.content) })
        var pending = 0
        if context.userID != nil {
            pending = try await posts.pendingReplies(postID: id)
        }
        let shareURL = "\(kit.shareBase)/b/\(id)"
        let cardPath = "/b/\(id)/card.png"
        let headline = BattleSummary.headline(content: battle.post.content, roomName: battle.roomName)
        let description = "\(summary.pro) vs \(summary.con). \(summary.verdict)"
        let layout = try await kit.layout(
            headline, context: context, description: description,
            openGraph: OpenGraph(
                title: headline, description: description,
                image: "\(kit.shareBase)\(cardPath)", url: shareURL))
        let remix = "/app/battles/new?remix=\(id)"
        let view = BattlePage(
            layout: layout, post: .init(id: id), topic: headline, pro: summary.pro, con: summary.con,
            verdict: summary.verdict, takeaways: summary.takeaways, roomName: battle.roomName,
            templateName: battle.templateName, when: DisplayTime.text(battle.post.createdAt.rfc3339),
            cardURL: cardPath, shareURL: shareURL, replies: battle.replies.map(ReplyDTO.init), pending: pending,
            expected: battle.replies.count + pending,
            remixLink: layout.user == nil ? "/signup?next=\(FormBody.encode(remix))" : remix)
        return kit.render(view, caching: layout.user == nil ? .publicShort : .noStore)
    }
}
