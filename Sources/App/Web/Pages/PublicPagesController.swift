import Domain
import Hummingbird
import Storage
import Web

/// The pages behind the share links, `/p/{slug}` and `/b/{id}`, for anonymous visitors and signed-in users
/// alike. They work without JavaScript. `PageNegotiationMiddleware` sends browsers here; API clients get the
/// contract's JSON from the same paths. A signed-in visitor's follow form posts to `/app/follow/{slug}`.
struct PublicPagesController: Sendable {
    let kit: PageKit
    let profiles: PublicProfileService
    let battles: BattleService
    let posts: PostService
    /// Told after a follow, as `POST /p/{slug}/follow` does (the follower count is on the cached page).
    let caches: any CacheInvalidator

    func addRoutes(to routes: RouteRegistrar) {
        routes.on(.post, "/app/follow/{slug}", use: follow)
    }

    @Sendable func profile(_ request: Request, context: AppRequestContext) async throws -> Response {
        let notice: String? =
            switch request.uri.queryParameters.get("followed") {
            case "1": "You follow this persona."
            case "0": "You already follow this persona."
            default: nil
            }
        return try await profilePage(
            slug: context.pathParameter("slug"), cursor: request.uri.queryParameters.get("cursor") ?? "", context: context,
            followNotice: notice)
    }

    /// Follows under the `public_write` limit of `POST /p/{slug}/follow`, then back to the profile.
    @Sendable func follow(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let slug = context.pathParameter("slug")
        _ = try await kit.forms.read(request, context: context, limit: kit.forms.limits.publicRoutes)
        do {
            try await kit.forms.limit(.publicWrite, context: context)
            let result = try await profiles.follow(slug: slug, follower: user)
            if result.followed { await caches.publicDataChanged() }
            return HTMLPage.redirect(to: "/p/\(FormBody.encode(Slug.normalize(slug)))?followed=\(result.followed ? 1 : 0)")
        } catch {
            let failure = try FormError.from(error)
            return try await profilePage(slug: slug, cursor: "", context: context, followError: failure.message).failed(failure)
        }
    }

    private func profilePage(
        slug: String, cursor: String, context: AppRequestContext, followError: String? = nil, followNotice: String? = nil
    ) async throws -> Response {
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
            layout: layout, profile: dto, followers: Plural.count(dto.followers, "follower"), postCount: Plural.count(dto.postsCount, "post"),
            posts: items,
            topRooms: page.rooms.map { ProfilePage.RoomItem(name: $0.roomName, posts: Plural.count($0.postCount, "post")) },
            moreLink: more, signedIn: layout.user != nil, followSignup: signup, isLaterPage: !cursor.isEmpty,
            followError: followError, followNotice: followNotice)
        // A page with a message from a form is for this viewer only.
        let personal = layout.user != nil || followError != nil || followNotice != nil
        return kit.render(view, caching: personal ? .noStore : .publicShort)
    }

    @Sendable func battle(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try Identifiers.uuid(context.pathParameter("id"), label: "battle id")
        let battle = try await battles.publicBattle(id, withReplies: true, failure: "could not load battle")
        battles.recordView(battle, viewer: context.viewer)
        let summary = BattleSummary(
            content: battle.post.content, personaName: battle.post.personaName,
            replies: battle.replies.map { ($0.personaName, $0.content) })
        var pending = 0
        if context.userID != nil {
            pending = try await posts.pendingReplies(postID: id)
        }
        let shareURL = "\(kit.shareBase)/b/\(id)"
        let cardPath = "/b/\(id)/card.png"
        // The page heading, the title and the Open Graph/Twitter titles are the battle's one topic (DECISIONS 27).
        let headline = summary.topic
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
