/// Who wrote a post or reply.
public enum AuthoredBy: String, Sendable, Codable {
    case ai = "AI"
    case human = "HUMAN"
    case aiDraftApproved = "AI_DRAFT_APPROVED"
}

/// A post's lifecycle state.
public enum PostStatus: String, Sendable, Codable {
    case draft = "DRAFT"
    case published = "PUBLISHED"
}

/// A post (a draft, an approved persona post, or a battle).
public struct Post: Sendable, Equatable {
    public var id: String
    public var roomID: String
    public var personaID: String?
    public var personaName: String?
    public var userID: String
    public var authoredBy: AuthoredBy
    public var status: PostStatus
    public var content: String
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        id: String, roomID: String, personaID: String?, personaName: String?, userID: String, authoredBy: AuthoredBy,
        status: PostStatus, content: String, createdAt: Timestamp, updatedAt: Timestamp
    ) {
        self.id = id
        self.roomID = roomID
        self.personaID = personaID
        self.personaName = personaName
        self.userID = userID
        self.authoredBy = authoredBy
        self.status = status
        self.content = content
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A reply on a post.
public struct Reply: Sendable, Equatable {
    public var id: String
    public var postID: String
    public var personaID: String?
    public var personaName: String?
    public var authoredBy: AuthoredBy
    public var content: String
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        id: String, postID: String, personaID: String?, personaName: String?, authoredBy: AuthoredBy, content: String,
        createdAt: Timestamp, updatedAt: Timestamp
    ) {
        self.id = id
        self.postID = postID
        self.personaID = personaID
        self.personaName = personaName
        self.authoredBy = authoredBy
        self.content = content
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// Daily quota kinds (quota_events.quota_type).
public enum QuotaKind: String, Sendable {
    case draft, reply, preview
}
