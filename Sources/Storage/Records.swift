import Domain

/// One analytics event waiting to be written.
public struct EventRecord: Sendable {
    public let userID: String?
    /// Who the event counts for (DECISIONS 28: each actor once per battle, event name and UTC day): the user, else
    /// an opaque key of the client's address (`EventActor`).
    public let actor: String
    public let name: String
    public let metadataJSON: String
    public let createdAt: Timestamp

    public init(userID: String?, actor: String, name: String, metadataJSON: String, createdAt: Timestamp) {
        self.userID = userID
        self.actor = actor
        self.name = name
        self.metadataJSON = metadataJSON
        self.createdAt = createdAt
    }

    /// An event whose metadata is a flat object of strings.
    public init(userID: String?, actor: String, name: String, metadata: [String: String], createdAt: Timestamp) {
        self.init(userID: userID, actor: actor, name: name, metadataJSON: StoredJSON.object(metadata), createdAt: createdAt)
    }
}

/// A stored notification.
public struct StoredNotification: Sendable, Equatable {
    public let id: Int64
    public let actorUserID: String?
    public let type: String
    public let title: String
    public let body: String
    public let metadataJSON: String
    public let readAt: Timestamp?
    public let createdAt: Timestamp

    public init(
        id: Int64, actorUserID: String?, type: String, title: String, body: String, metadataJSON: String, readAt: Timestamp?,
        createdAt: Timestamp
    ) {
        self.id = id
        self.actorUserID = actorUserID
        self.type = type
        self.title = title
        self.body = body
        self.metadataJSON = metadataJSON
        self.readAt = readAt
        self.createdAt = createdAt
    }
}

/// A page of notifications and the user's total unread count, read together.
public struct NotificationPage: Sendable {
    public let items: [StoredNotification]
    public let unread: Int

    public init(items: [StoredNotification], unread: Int) {
        self.items = items
        self.unread = unread
    }
}

/// What the signed-in navigation shows.
public struct AccountSummary: Sendable, Equatable {
    public let email: String
    public let isAdmin: Bool
    public let unread: Int

    public init(email: String, isAdmin: Bool, unread: Int) {
        self.email = email
        self.isAdmin = isAdmin
        self.unread = unread
    }
}

/// Readiness facts for `/readyz`.
public struct MigrationStatus: Sendable {
    public let applied: Int
    public let expected: Int

    public init(applied: Int, expected: Int) {
        self.applied = applied
        self.expected = expected
    }
}

/// Event counts by name over the last day and the last week.
public struct EventCounts: Sendable {
    public let day: [String: Int]
    public let week: [String: Int]

    public init(day: [String: Int], week: [String: Int]) {
        self.day = day
        self.week = week
    }
}

/// A public profile page read in one snapshot.
public struct PublicProfilePage: Sendable {
    public let persona: PublicPersona
    public let posts: [PublicPost]
    public let topRooms: [RoomStat]

    public init(persona: PublicPersona, posts: [PublicPost], topRooms: [RoomStat]) {
        self.persona = persona
        self.posts = posts
        self.topRooms = topRooms
    }
}

/// What a follow wrote.
public struct FollowResult: Sendable, Equatable {
    /// Whether a new follow row was created.
    public let created: Bool
    /// The follower count after it.
    public let followers: Int

    public init(created: Bool, followers: Int) {
        self.created = created
        self.followers = followers
    }
}

/// A trending battle and its owner (callers drop a viewer's own battles).
public struct TrendingBattle: Sendable {
    public let candidate: FeedBattleCandidate
    public let ownerID: String

    public init(candidate: FeedBattleCandidate, ownerID: String) {
        self.candidate = candidate
        self.ownerID = ownerID
    }
}

/// A user's feed inputs besides trending.
public struct FeedInputs: Sendable {
    public let followed: [FeedBattleCandidate]
    public let templates: [FeedTemplateCandidate]

    public init(followed: [FeedBattleCandidate], templates: [FeedTemplateCandidate]) {
        self.followed = followed
        self.templates = templates
    }
}
