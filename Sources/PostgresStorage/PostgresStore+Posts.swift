import Domain
import Foundation
import PostgresNIO
import Storage

/// Rooms, posts, drafts, approval and threads.
extension PostgresStore {
    static let postColumns = """
        p.id::text, p.room_id::text, p.persona_id::text, pe.name, p.user_id::text, p.authored_by::text, p.status::text, p.content,
        p.created_at, p.updated_at
        """

    static func post(from row: PostgresRow) throws -> Post {
        let (id, room, persona, personaName, user, authored, status, content, created, updated) = try row.decode(
            (String, String, String?, String?, String, String, String, String, Timestamp, Timestamp).self)
        return Post(
            id: id, roomID: room, personaID: persona, personaName: personaName, userID: user,
            authoredBy: AuthoredBy(rawValue: authored) ?? .ai, status: PostStatus(rawValue: status) ?? .draft, content: content,
            createdAt: created, updatedAt: updated)
    }

    static let replyColumns = "r.id::text, r.post_id::text, r.persona_id::text, pe.name, r.authored_by::text, r.content, r.created_at, r.updated_at"

    static func reply(from row: PostgresRow) throws -> Reply {
        let (id, post, persona, personaName, authored, content, created, updated) = try row.decode(
            (String, String, String?, String?, String, String, Timestamp, Timestamp).self)
        return Reply(
            id: id, postID: post, personaID: persona, personaName: personaName, authoredBy: AuthoredBy(rawValue: authored) ?? .ai,
            content: content, createdAt: created, updatedAt: updated)
    }

    static func room(from row: PostgresRow) throws -> Room {
        let (id, slug, name, description, created) = try row.decode((String, String, String, String, Timestamp).self)
        return Room(id: id, slug: slug, name: name, description: description, createdAt: created)
    }

    /// All rooms by name (byte order, as SQLite's, whatever the database's collation), id breaking ties.
    public func rooms() async throws -> [Room] {
        try await quick { db in
            try await db.rows("SELECT id::text, slug, name, description, created_at FROM rooms ORDER BY name COLLATE \"C\" ASC, id ASC")
                .map(Self.room(from:))
        }
    }

    /// A room by id.
    public func room(id: String) async throws -> Room? {
        guard let id = StoreID.parse(id) else { return nil }
        return try await quick { db in
            try await db.rows("SELECT id::text, slug, name, description, created_at FROM rooms WHERE id = \(id)").first.map(Self.room(from:))
        }
    }

    /// Up to 100 posts of a room the viewer may see (published, or their own drafts), newest first.
    public func posts(inRoom roomID: String, visibleTo userID: String) async throws -> [Post] {
        guard let room = StoreID.parse(roomID) else { return [] }
        let user = StoreID.parse(userID)
        return try await quick { db in
            try await db.rows(
                """
                SELECT \(unescaped: Self.postColumns) FROM posts p LEFT JOIN personas pe ON pe.id = p.persona_id
                WHERE p.room_id = \(room) AND (p.status = 'PUBLISHED' OR p.user_id = \(user))
                ORDER BY p.created_at DESC, p.id DESC LIMIT 100
                """
            ).map(Self.post(from:))
        }
    }

    /// One post with its persona's name.
    public func post(id: String) async throws -> Post? {
        guard let id = StoreID.parse(id) else { return nil }
        return try await quick { db in try await Self.fetchPost(db, id: id) }
    }

    static func fetchPost(_ db: Connection, id: UUID) async throws -> Post? {
        try await db.rows("SELECT \(unescaped: postColumns) FROM posts p LEFT JOIN personas pe ON pe.id = p.persona_id WHERE p.id = \(id)")
            .first.map(post(from:))
    }

    /// A post and its replies, oldest first.
    public func thread(postID: String) async throws -> PostThread? {
        guard let id = StoreID.parse(postID) else { return nil }
        return try await read { db in
            guard let post = try await Self.fetchPost(db, id: id) else { return nil }
            return PostThread(post: post, replies: try await Self.replies(db, postID: id))
        }
    }

    /// The replies of a post, oldest first, with persona names.
    static func replies(_ db: Connection, postID: UUID) async throws -> [Reply] {
        try await db.rows(
            """
            SELECT \(unescaped: replyColumns) FROM replies r LEFT JOIN personas pe ON pe.id = r.persona_id
            WHERE r.post_id = \(postID) ORDER BY r.created_at ASC, r.id ASC
            """
        ).map(reply(from:))
    }

    /// Inserts a draft and its `draft` quota use in one transaction; the quota is consumed atomically there.
    public func createDraft(roomID: String, persona: Persona, content: String, now: Timestamp) async throws -> Post {
        let id = UUID()
        let room = try StoreID.known(roomID)
        let personaID = try StoreID.known(persona.id)
        let user = try StoreID.known(persona.userID)
        let post = Post(
            id: id.lower, roomID: roomID, personaID: persona.id, personaName: persona.fields.name, userID: persona.userID,
            authoredBy: .ai, status: .draft, content: content, createdAt: now, updatedAt: now)
        try await write { db in
            try await Self.consumeQuota(db, personaID: personaID, quota: DailyQuota(.draft, limit: persona.fields.dailyDraftQuota), now: now)
            try await db.execute(
                """
                INSERT INTO posts(id, room_id, persona_id, user_id, authored_by, status, content, created_at, updated_at)
                VALUES (\(id), \(room), \(personaID), \(user), 'AI', 'DRAFT', \(content), \(now), \(now))
                """)
        }
        return post
    }

    /// Publishes a draft with its activity events and the approver's `post_approved` event in one transaction;
    /// nil if it is no longer a draft.
    public func approveDraft(postID: String, content: String, approverID: String, now: Timestamp) async throws -> Post? {
        guard let id = StoreID.parse(postID) else { return nil }
        let approver = StoreID.parse(approverID)
        return try await write { db in
            guard
                try await db.execute(
                    """
                    UPDATE posts SET content = \(content), status = 'PUBLISHED', authored_by = 'AI_DRAFT_APPROVED', published_at = \(now),
                      updated_at = \(now)
                    WHERE id = \(id) AND status = 'DRAFT'
                    """) > 0,
                let post = try await Self.fetchPost(db, id: id)
            else { return nil }
            if let personaID = post.personaID.flatMap(StoreID.parse) {
                let metadata = StoredJSON.object(["post_id": post.id, "room_id": post.roomID, "post_preview": content.truncatedRunes(220)])
                for type in ["post_created", "thread_participated"] {
                    try await db.execute(
                        """
                        INSERT INTO persona_activity_events(persona_id, type, metadata, created_at) VALUES (\(personaID), \(type), \(JSONB(metadata)), \(now))
                        """)
                }
            }
            var event = ["post_id": post.id, "room_id": post.roomID]
            if let persona = post.personaID { event["persona_id"] = persona }
            try await Self.insertEvent(db, userID: approver, name: "post_approved", metadataJSON: StoredJSON.object(event), now: now)
            return post
        }
    }

    /// Records one preview call and its `preview_generated` event, consuming the quota atomically in the same
    /// transaction; returns the new usage.
    public func recordPreview(personaID: String, roomID: String, userID: String, quota: DailyQuota, now: Timestamp) async throws -> Int {
        let persona = try StoreID.known(personaID)
        let user = StoreID.parse(userID)
        return try await write { db in
            let used = try await Self.consumeQuota(db, personaID: persona, quota: quota, now: now)
            try await Self.insertEvent(
                db, userID: user, name: "preview_generated",
                metadataJSON: StoredJSON.object(["persona_id": personaID, "room_id": roomID]), now: now)
            return used
        }
    }
}
