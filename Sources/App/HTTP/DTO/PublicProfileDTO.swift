import Domain

/// A public persona profile: only the fields the anti-leak rules allow.
struct PublicProfileDTO: Encodable, Sendable {
    let personaID: String
    let slug: String
    let name: String
    let bio: String
    let tone: String
    let preferredLanguage: String
    let formality: Int
    let isPublic: Bool
    let followers: Int
    let postsCount: Int
    let badges: [String]
    let createdAt: String

    enum CodingKeys: String, CodingKey {
        case personaID = "persona_id", slug, name, bio, tone, preferredLanguage = "preferred_language", formality
        case isPublic = "is_public", followers, postsCount = "posts_count", badges, createdAt = "created_at"
    }

    init(_ p: PublicPersona) {
        personaID = p.personaID
        slug = p.slug
        name = p.name
        bio = p.bio
        tone = p.tone
        preferredLanguage = p.preferredLanguage
        formality = p.formality
        isPublic = true
        followers = p.followers
        postsCount = p.postsCount
        badges = p.badges
        createdAt = p.createdAt.rfc3339
    }
}

/// A public post: no persona, status or owner.
struct PublicPostDTO: Encodable, Sendable {
    let id: String
    let roomID: String
    let roomName: String
    let authoredBy: String
    let content: String
    let createdAt: String

    enum CodingKeys: String, CodingKey {
        case id, roomID = "room_id", roomName = "room_name", authoredBy = "authored_by", content, createdAt = "created_at"
    }

    init(_ p: PublicPost) {
        id = p.id
        roomID = p.roomID
        roomName = p.roomName
        authoredBy = p.authoredBy.rawValue
        content = p.content
        createdAt = p.createdAt.rfc3339
    }
}

/// A room and the persona's published-post count in it.
struct RoomStatDTO: Encodable, Sendable {
    let roomID: String
    let roomName: String
    let postCount: Int

    enum CodingKeys: String, CodingKey { case roomID = "room_id", roomName = "room_name", postCount = "post_count" }

    init(_ s: RoomStat) {
        roomID = s.roomID
        roomName = s.roomName
        postCount = s.postCount
    }
}

/// `GET /p/{slug}`.
struct PublicProfilePageDTO: Encodable, Sendable {
    let profile: PublicProfileDTO
    let latestPosts: [PublicPostDTO]
    let topRooms: [RoomStatDTO]
    let nextCursor: String

    enum CodingKeys: String, CodingKey { case profile, latestPosts = "latest_posts", topRooms = "top_rooms", nextCursor = "next_cursor" }
}

/// `GET /p/{slug}/posts`.
struct PublicPostsPageDTO: Encodable, Sendable {
    let posts: [PublicPostDTO]
    let nextCursor: String

    enum CodingKeys: String, CodingKey { case posts, nextCursor = "next_cursor" }
}

/// `POST /p/{slug}/follow`.
struct FollowDTO: Encodable, Sendable {
    let followed: Bool
    let followers: Int
}
