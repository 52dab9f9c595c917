import Domain

/// A validated battle request.
public struct BattleDraft: Sendable {
    public var roomID: String
    public var roomName: String
    public var userID: String
    public var topic: String
    public var proStyle: String
    public var conStyle: String
    /// Explicit template, or nil for the default one.
    public var templateID: String?
    /// The source battle of a remix, and the id of the remix token that names it (single use).
    public var remixOf: String?
    public var remixTokenID: String?
    public var draftMaxLength: Int
    public var maxAttempts: Int
    public var traceID: String

    public init(
        roomID: String, roomName: String, userID: String, topic: String, proStyle: String, conStyle: String,
        templateID: String?, remixOf: String?, remixTokenID: String?, draftMaxLength: Int, maxAttempts: Int, traceID: String
    ) {
        self.roomID = roomID
        self.roomName = roomName
        self.userID = userID
        self.topic = topic
        self.proStyle = proStyle
        self.conStyle = conStyle
        self.templateID = templateID
        self.remixOf = remixOf
        self.remixTokenID = remixTokenID
        self.draftMaxLength = draftMaxLength
        self.maxAttempts = maxAttempts
        self.traceID = traceID
    }
}

/// What a battle creation wrote.
public struct CreatedBattle: Sendable {
    public let post: Post
    public let template: BattleTemplate
    public let enqueued: Int

    public init(post: Post, template: BattleTemplate, enqueued: Int) {
        self.post = post
        self.template = template
        self.enqueued = enqueued
    }
}

/// A published post with what its public views need.
public struct PublicBattle: Sendable {
    public let post: Post
    public let roomName: String
    public let templateID: String?
    public let templateName: String?
    /// Replies oldest first (persona names joined).
    public let replies: [Reply]

    public init(post: Post, roomName: String, templateID: String?, templateName: String?, replies: [Reply]) {
        self.post = post
        self.roomName = roomName
        self.templateID = templateID
        self.templateName = templateName
        self.replies = replies
    }

    /// The newest `updated_at` of the post and its replies: the card's version.
    public var version: Timestamp { replies.reduce(post.updatedAt) { max($0, $1.updatedAt) } }
}

/// A post and its replies, oldest first.
public struct PostThread: Sendable {
    public let post: Post
    public let replies: [Reply]

    public init(post: Post, replies: [Reply]) {
        self.post = post
        self.replies = replies
    }
}
