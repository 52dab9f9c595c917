/// What a public profile shows of a persona; calibration fields and the owner are not in it,
/// so no public view can leak them by accident.
public struct PublicPersona: Sendable, Equatable {
    public var personaID: String
    public var slug: String
    public var name: String
    /// The profile's bio when set, else the persona's.
    public var bio: String
    public var tone: String
    public var preferredLanguage: String
    public var formality: Int
    public var followers: Int
    public var postsCount: Int
    /// When the profile was first published.
    public var createdAt: Timestamp

    public init(
        personaID: String, slug: String, name: String, bio: String, tone: String, preferredLanguage: String, formality: Int,
        followers: Int, postsCount: Int, createdAt: Timestamp
    ) {
        self.personaID = personaID
        self.slug = slug
        self.name = name
        self.bio = bio
        self.tone = tone
        self.preferredLanguage = preferredLanguage
        self.formality = formality
        self.followers = followers
        self.postsCount = postsCount
        self.createdAt = createdAt
    }

    public var badges: [String] { ProfileRules.badges(language: preferredLanguage, tone: tone, formality: formality) }
}

/// A published post as the public sees it.
public struct PublicPost: Sendable, Equatable {
    public var id: String
    public var roomID: String
    public var roomName: String
    public var authoredBy: AuthoredBy
    public var content: String
    public var createdAt: Timestamp

    public init(id: String, roomID: String, roomName: String, authoredBy: AuthoredBy, content: String, createdAt: Timestamp) {
        self.id = id
        self.roomID = roomID
        self.roomName = roomName
        self.authoredBy = authoredBy
        self.content = content
        self.createdAt = createdAt
    }
}

/// A room and how many of a persona's published posts are in it.
public struct RoomStat: Sendable, Equatable {
    public var roomID: String
    public var roomName: String
    public var postCount: Int

    public init(roomID: String, roomName: String, postCount: Int) {
        self.roomID = roomID
        self.roomName = roomName
        self.postCount = postCount
    }
}
