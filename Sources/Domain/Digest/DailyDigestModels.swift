/// The statistics of a persona's day, as the daily digest stores and returns them.

/// One of the day's busiest threads. The optional texts are nil when empty, which is also when
/// the stored JSON omits them.
public struct DigestThread: Sendable, Equatable {
    public var postID: String
    public var roomID: String?
    public var roomName: String?
    public var postPreview: String?
    public var activityCount: Int
    public var lastActivityAt: Timestamp

    /// Empty optional texts are stored as nil.
    public init(
        postID: String, roomID: String?, roomName: String?, postPreview: String?, activityCount: Int,
        lastActivityAt: Timestamp
    ) {
        self.postID = postID
        self.roomID = roomID.flatMap { $0.isEmpty ? nil : $0 }
        self.roomName = roomName.flatMap { $0.isEmpty ? nil : $0 }
        self.postPreview = postPreview.flatMap { $0.isEmpty ? nil : $0 }
        self.activityCount = activityCount
        self.lastActivityAt = lastActivityAt
    }

    /// `{post_id, room_id?, room_name?, post_preview?, activity_count, last_activity_at}`.
    public var json: JSONValue {
        var fields: [(String, JSONValue)] = [("post_id", .string(postID))]
        if let roomID { fields.append(("room_id", .string(roomID))) }
        if let roomName { fields.append(("room_name", .string(roomName))) }
        if let postPreview { fields.append(("post_preview", .string(postPreview))) }
        fields.append(("activity_count", .number(String(activityCount))))
        fields.append(("last_activity_at", .string(lastActivityAt.rfc3339)))
        return .object(fields)
    }

    /// Reads a stored thread; nil unless it is an object with a `post_id` string and a parseable
    /// `last_activity_at`. A missing count reads as 0.
    public init?(json: JSONValue) {
        guard case .object(let fields) = json else { return nil }
        let map = JSONFields(fields)
        guard let postID = map.string("post_id"), let last = map.timestamp("last_activity_at") else { return nil }
        self.init(
            postID: postID, roomID: map.string("room_id"), roomName: map.string("room_name"),
            postPreview: map.string("post_preview"), activityCount: map.int("activity_count") ?? 0,
            lastActivityAt: last)
    }
}

/// A persona's counted activity for one UTC day: the digest's `stats`.
public struct PersonaDayActivity: Sendable, Equatable {
    /// `post_created` events today.
    public var posts: Int
    /// `reply_generated` events today.
    public var replies: Int
    /// At most three busiest threads (`DailyDigestRules.topThreads`).
    public var threads: [DigestThread]

    public init(posts: Int = 0, replies: Int = 0, threads: [DigestThread] = []) {
        self.posts = posts
        self.replies = replies
        self.threads = threads
    }

    /// `posts > 0 || replies > 0 || threads non-empty` — the digest's `has_activity`.
    public var hasActivity: Bool { posts > 0 || replies > 0 || !threads.isEmpty }

    /// `{"posts":n,"replies":n,"top_threads":[…]}`.
    public var json: JSONValue {
        .object([
            ("posts", .number(String(posts))),
            ("replies", .number(String(replies))),
            ("top_threads", .array(threads.map(\.json))),
        ])
    }
}

extension DailyDigestRules {
    /// One `thread_participated` event of the day with what is known about its post: the metadata's
    /// `post_id`, `room_id` and `post_preview`, and the post's room id, room name and content when
    /// the post exists.
    public struct ThreadEvent: Sendable, Equatable {
        public var postID: String
        public var metaRoomID: String?
        public var metaPreview: String?
        public var postRoomID: String?
        public var roomName: String?
        public var postContent: String?
        public var createdAt: Timestamp

        public init(
            postID: String, metaRoomID: String?, metaPreview: String?, postRoomID: String?, roomName: String?,
            postContent: String?, createdAt: Timestamp
        ) {
            self.postID = postID
            self.metaRoomID = metaRoomID
            self.metaPreview = metaPreview
            self.postRoomID = postRoomID
            self.roomName = roomName
            self.postContent = postContent
            self.createdAt = createdAt
        }
    }
}
