import Domain
import GRDB
import Storage

/// Posts, drafts, approval and threads.
extension SQLiteStore {
    static let postColumns = """
        p.id, p.room_id, p.persona_id, pe.name AS persona_name, p.user_id, p.authored_by, p.status, p.content, p.created_at, p.updated_at
        """

    /// A row that starts with `postColumns`, by position (a reply job reads its post on every claim, and GRDB's by-name
    /// lookup lower-cases every column name on each access).
    static func post(from row: Row) -> Post {
        Post(
            id: row[0], roomID: row[1], personaID: row[2], personaName: row[3], userID: row[4],
            authoredBy: AuthoredBy(rawValue: row[5]) ?? .ai, status: PostStatus(rawValue: row[6]) ?? .draft, content: row[7],
            createdAt: timestamp(row[8]), updatedAt: timestamp(row[9]))
    }

    static func reply(from row: Row) -> Reply {
        Reply(
            id: row["id"], postID: row["post_id"], personaID: row["persona_id"], personaName: row["persona_name"],
            authoredBy: AuthoredBy(rawValue: row["authored_by"]) ?? .ai, content: row["content"],
            createdAt: timestamp(row["created_at"]), updatedAt: timestamp(row["updated_at"]))
    }

    /// A room by id.
    public func room(id: String) async throws -> Room? {
        try await read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT id, slug, name, description, created_at FROM rooms WHERE id = ?"), arguments: [id]).map {
                Room(id: $0["id"], slug: $0["slug"], name: $0["name"], description: $0["description"], createdAt: Self.timestamp($0["created_at"]))
            }
        }
    }

    /// Up to 100 posts of a room the viewer may see (published, or their own drafts), newest first.
    public func posts(inRoom roomID: String, visibleTo userID: String) async throws -> [Post] {
        try await read { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT \(Self.postColumns) FROM posts p LEFT JOIN personas pe ON pe.id = p.persona_id
                        WHERE p.room_id = ? AND (p.status = 'PUBLISHED' OR p.user_id = ?)
                        ORDER BY p.created_at DESC, p.id DESC LIMIT 100
                        """), arguments: [roomID, userID]
            ).map(Self.post(from:))
        }
    }

    /// One post with its persona's name.
    public func post(id: String) async throws -> Post? {
        try await read { db in try Self.fetchPost(db, id: id) }
    }

    static func fetchPost(_ db: Database, id: String) throws -> Post? {
        try Row.fetchOne(
            db.cachedStatement(sql: "SELECT \(postColumns) FROM posts p LEFT JOIN personas pe ON pe.id = p.persona_id WHERE p.id = ?"),
            arguments: [id]
        ).map(post(from:))
    }

    /// A post and its replies, oldest first.
    public func thread(postID: String) async throws -> PostThread? {
        try await read { db in
            guard let post = try Self.fetchPost(db, id: postID) else { return nil }
            return PostThread(post: post, replies: try Self.replies(db, postID: postID))
        }
    }

    /// Inserts a draft and its `draft` quota event in one transaction, re-checking the quota there.
    public func createDraft(roomID: String, persona: Persona, content: String, now: Timestamp) async throws -> Post {
        let post = Post(
            id: Identifiers.newUUID(), roomID: roomID, personaID: persona.id, personaName: persona.fields.name,
            userID: persona.userID, authoredBy: .ai, status: .draft, content: content, createdAt: now, updatedAt: now)
        try await write { db in
            try Self.consumeQuota(db, personaID: persona.id, quota: DailyQuota(.draft, limit: persona.fields.dailyDraftQuota), now: now)
            try db.cachedStatement(
                sql: """
                    INSERT INTO posts(id, room_id, persona_id, user_id, authored_by, status, content, created_at, updated_at)
                    VALUES (?, ?, ?, ?, 'AI', 'DRAFT', ?, ?, ?)
                    """
            ).execute(arguments: [post.id, roomID, persona.id, persona.userID, content, now.storageString, now.storageString])
        }
        return post
    }

    /// Publishes a draft with its activity events and the approver's `post_approved` event in one transaction;
    /// nil if it is no longer a draft.
    public func approveDraft(postID: String, content: String, approverID: String, now: Timestamp) async throws -> Post? {
        try await write { db in
            try db.cachedStatement(
                sql: """
                    UPDATE posts SET content = ?, status = 'PUBLISHED', authored_by = 'AI_DRAFT_APPROVED', published_at = ?, updated_at = ?
                    WHERE id = ? AND status = 'DRAFT'
                    """
            ).execute(arguments: [content, now.storageString, now.storageString, postID])
            guard db.changesCount > 0, let post = try Self.fetchPost(db, id: postID) else { return nil }
            if let personaID = post.personaID {
                let metadata = StoredJSON.object(["post_id": post.id, "room_id": post.roomID, "post_preview": content.truncatedRunes(220)])
                for type in ["post_created", "thread_participated"] {
                    try db.execute(
                        sql: "INSERT INTO persona_activity_events(persona_id, type, metadata, created_at) VALUES (?, ?, ?, ?)",
                        arguments: [personaID, type, metadata, now.storageString])
                }
            }
            var event = ["post_id": post.id, "room_id": post.roomID]
            if let persona = post.personaID { event["persona_id"] = persona }
            try Self.insertEvent(db, userID: approverID, name: "post_approved", metadataJSON: StoredJSON.object(event), now: now)
            return post
        }
    }

    /// Records one preview call and its `preview_generated` event, re-checking the limit in the same transaction;
    /// returns the new usage.
    public func recordPreview(personaID: String, roomID: String, userID: String, quota: DailyQuota, now: Timestamp) async throws -> Int {
        try await write { db in
            let used = try Self.consumeQuota(db, personaID: personaID, quota: quota, now: now)
            try Self.insertEvent(
                db, userID: userID, name: "preview_generated",
                metadataJSON: StoredJSON.object(["persona_id": personaID, "room_id": roomID]), now: now)
            return used
        }
    }

    /// Today's (UTC) usage of a quota.
    public func quotaUsage(personaID: String, kind: QuotaKind, now: Timestamp) async throws -> Int {
        try await read { db in try Self.usage(db, personaID: personaID, kind: kind, now: now) }
    }

    /// A quota's use on one day; binds the persona, the quota kind and the day (`DailyQuota.dayKey`). No row is 0.
    static let usageSQL = "SELECT used FROM quota_counters WHERE persona_id = ? AND quota_type = ? AND day = ?"

    static func usage(_ db: Database, personaID: String, kind: QuotaKind, now: Timestamp) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: usageSQL), arguments: [personaID, kind.rawValue, DailyQuota.dayKey(now)]) ?? 0
    }

    /// Consumes one unit of quota atomically: the day's counter row moves only while it is below the limit (one
    /// conditional upsert, so no count-then-insert race on any engine), and the use is recorded in `quota_events`.
    /// Throws `quotaReached` when used up; returns the usage after it.
    @discardableResult
    static func consumeQuota(_ db: Database, personaID: String, quota: DailyQuota, now: Timestamp) throws -> Int {
        guard
            let used = try Int.fetchOne(
                db.cachedStatement(
                    sql: """
                        INSERT INTO quota_counters(persona_id, quota_type, day, used) SELECT :persona, :kind, :day, 1 WHERE :limit > 0
                        ON CONFLICT(persona_id, quota_type, day) DO UPDATE SET used = used + 1 WHERE quota_counters.used < :limit
                        RETURNING used
                        """),
                arguments: ["persona": personaID, "kind": quota.kind.rawValue, "day": DailyQuota.dayKey(now), "limit": quota.limit])
        else { throw DomainError.quotaReached(quota.kind) }
        try db.cachedStatement(sql: "INSERT INTO quota_events(persona_id, quota_type, created_at) VALUES (?, ?, ?)")
            .execute(arguments: [personaID, quota.kind.rawValue, now.storageString])
        return used
    }
}
