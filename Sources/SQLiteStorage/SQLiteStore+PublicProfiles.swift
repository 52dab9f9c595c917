import Domain
import GRDB
import Storage

/// Public persona profiles, their posts, and follows.
extension SQLiteStore {
    /// A public profile by normalised slug; nil when absent or hidden.
    public func publicPersona(slug: String) async throws -> PublicPersona? {
        try await read { db in try Self.fetchPublicPersona(db, slug: slug) }
    }

    static func fetchPublicPersona(_ db: Database, slug: String) throws -> PublicPersona? {
        try Row.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT pp.persona_id, pp.slug, pp.bio AS profile_bio, pp.created_at, pe.name, pe.bio, pe.tone, pe.preferred_language, pe.formality,
                      (SELECT COUNT(*) FROM persona_follows f WHERE f.followed_persona_id = pp.persona_id) AS followers,
                      (SELECT COUNT(*) FROM posts p WHERE p.persona_id = pp.persona_id AND p.status = 'PUBLISHED') AS posts_count
                    FROM persona_public_profiles pp JOIN personas pe ON pe.id = pp.persona_id
                    WHERE pp.slug = ? AND pp.is_public = 1
                    """), arguments: [slug]
        ).map { row in
            let profileBio: String = row["profile_bio"]
            return PublicPersona(
                personaID: row["persona_id"], slug: row["slug"], name: row["name"],
                bio: profileBio.isEmpty ? row["bio"] : profileBio, tone: row["tone"],
                preferredLanguage: row["preferred_language"], formality: row["formality"],
                followers: row["followers"], postsCount: row["posts_count"], createdAt: Self.timestamp(row["created_at"]))
        }
    }

    /// A public profile page in one read: the profile, its first page of posts and its top rooms.
    public func publicProfilePage(slug: String, limit: Int) async throws -> PublicProfilePage? {
        try await read { db in
            guard let persona = try Self.fetchPublicPersona(db, slug: slug) else { return nil }
            return PublicProfilePage(
                persona: persona, posts: try Self.fetchPublicPosts(db, personaID: persona.personaID, after: nil, limit: limit),
                topRooms: try Self.fetchTopRooms(db, personaID: persona.personaID))
        }
    }

    /// One page of a persona's published posts, newest first, after `cursor` (exclusive).
    public func publicPosts(personaID: String, after cursor: PostCursor?, limit: Int) async throws -> [PublicPost] {
        try await read { db in try Self.fetchPublicPosts(db, personaID: personaID, after: cursor, limit: limit) }
    }

    static func fetchPublicPosts(_ db: Database, personaID: String, after cursor: PostCursor?, limit: Int) throws -> [PublicPost] {
        // `idx_posts_persona_published_created_id` serves both the first page and the keyset continuation.
        let sql = """
            SELECT p.id, p.room_id, COALESCE(rm.name, '') AS room_name, p.authored_by, p.content, p.created_at
            FROM posts p LEFT JOIN rooms rm ON rm.id = p.room_id
            WHERE p.persona_id = ? AND p.status = 'PUBLISHED'
            """
        let rows: [Row]
        if let cursor {
            rows = try Row.fetchAll(
                db.cachedStatement(
                    sql: sql + """
                         AND (p.created_at < ? OR (p.created_at = ? AND p.id < ?)) ORDER BY p.created_at DESC, p.id DESC LIMIT ?
                        """), arguments: [personaID, cursor.createdAt.storageString, cursor.createdAt.storageString, cursor.postID, limit])
        } else {
            rows = try Row.fetchAll(
                db.cachedStatement(sql: sql + " ORDER BY p.created_at DESC, p.id DESC LIMIT ?"),
                arguments: [personaID, limit])
        }
        return rows.map { row in
            PublicPost(
                id: row["id"], roomID: row["room_id"], roomName: row["room_name"],
                authoredBy: AuthoredBy(rawValue: row["authored_by"]) ?? .ai, content: row["content"],
                createdAt: Self.timestamp(row["created_at"]))
        }
    }

    /// The persona's three rooms with the most published posts (room name breaks ties).
    static func fetchTopRooms(_ db: Database, personaID: String) throws -> [RoomStat] {
        try Row.fetchAll(
            db.cachedStatement(
                sql: """
                        SELECT p.room_id, COALESCE(rm.name, '') AS room_name, COUNT(*) AS post_count
                        FROM posts p LEFT JOIN rooms rm ON rm.id = p.room_id
                        WHERE p.persona_id = ? AND p.status = 'PUBLISHED'
                        GROUP BY p.room_id ORDER BY post_count DESC, room_name ASC, p.room_id ASC LIMIT 3
                    """), arguments: [personaID]
        ).map { RoomStat(roomID: $0["room_id"], roomName: $0["room_name"], postCount: $0["post_count"]) }
    }

    /// The owner of a public persona, for the follow checks.
    public func publicPersonaOwner(personaID: String) async throws -> String? {
        try await read { db in
            try String.fetchOne(db.cachedStatement(sql: "SELECT user_id FROM personas WHERE id = ?"), arguments: [personaID])
        }
    }

    /// Follows a persona (idempotent) and notifies its owner of a new follower, in one transaction.
    /// Returns whether a new follow row was created, and the follower count after it.
    public func follow(
        personaID: String, slug: String, ownerUserID: String, followerUserID: String,
        now: Timestamp
    ) async throws -> FollowResult {
        try await write { db in
            try db.cachedStatement(
                sql: """
                    INSERT INTO persona_follows(follower_user_id, followed_persona_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING
                    """
            ).execute(arguments: [followerUserID, personaID, now.storageString])
            let created = db.changesCount > 0
            if created {
                try Self.notify(db, .personaFollowed(owner: ownerUserID, follower: followerUserID, personaID: personaID, slug: slug), now: now)
            }
            let followers =
                try Int.fetchOne(
                    db.cachedStatement(sql: "SELECT COUNT(*) FROM persona_follows WHERE followed_persona_id = ?"),
                    arguments: [personaID]) ?? 0
            return FollowResult(created: created, followers: followers)
        }
    }
}
