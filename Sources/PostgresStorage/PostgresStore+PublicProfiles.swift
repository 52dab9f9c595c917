import Domain
import Foundation
import PostgresNIO
import Storage

/// Public persona profiles, their posts, and follows.
extension PostgresStore {
    /// A public profile by normalised slug; nil when absent or hidden.
    public func publicPersona(slug: String) async throws -> PublicPersona? {
        try await quick { db in try await Self.fetchPublicPersona(db, slug: slug) }
    }

    static func fetchPublicPersona(_ db: Connection, slug: String) async throws -> PublicPersona? {
        try await db.rows(
            """
            SELECT pp.persona_id::text, pp.slug, pp.bio, pp.created_at, pe.name, pe.bio, pe.tone, pe.preferred_language, pe.formality,
              (SELECT COUNT(*) FROM persona_follows f WHERE f.followed_persona_id = pp.persona_id),
              (SELECT COUNT(*) FROM posts p WHERE p.persona_id = pp.persona_id AND p.status = 'PUBLISHED')
            FROM persona_public_profiles pp JOIN personas pe ON pe.id = pp.persona_id
            WHERE pp.slug = \(slug) AND pp.is_public
            """
        ).first.map { row in
            let (id, slug, profileBio, created, name, bio, tone, language, formality, followers, posts) = try row.decode(
                (String, String, String, Timestamp, String, String, String, String, Int, Int, Int).self)
            return PublicPersona(
                personaID: id, slug: slug, name: name, bio: profileBio.isEmpty ? bio : profileBio, tone: tone,
                preferredLanguage: language, formality: formality, followers: followers, postsCount: posts, createdAt: created)
        }
    }

    /// A public profile page in one read: the profile, its first page of posts and its top rooms.
    public func publicProfilePage(slug: String, limit: Int) async throws -> PublicProfilePage? {
        try await read { db in
            guard let persona = try await Self.fetchPublicPersona(db, slug: slug) else { return nil }
            let id = try StoreID.known(persona.personaID)
            return PublicProfilePage(
                persona: persona, posts: try await Self.fetchPublicPosts(db, personaID: id, after: nil, limit: limit),
                topRooms: try await Self.fetchTopRooms(db, personaID: id))
        }
    }

    /// One page of a persona's published posts, newest first, after `cursor` (exclusive).
    public func publicPosts(personaID: String, after cursor: PostCursor?, limit: Int) async throws -> [PublicPost] {
        guard let id = StoreID.parse(personaID) else { return [] }
        return try await quick { db in try await Self.fetchPublicPosts(db, personaID: id, after: cursor, limit: limit) }
    }

    static func fetchPublicPosts(_ db: Connection, personaID: UUID, after cursor: PostCursor?, limit: Int) async throws -> [PublicPost] {
        // `idx_posts_persona_published_created_id` serves both the first page and the keyset continuation. uuid order is
        // the byte order of the lower-case text SQLite compares; a cursor id that is no uuid is compared as text.
        let select = """
            SELECT p.id::text, p.room_id::text, COALESCE(rm.name, ''), p.authored_by::text, p.content, p.created_at
            FROM posts p LEFT JOIN rooms rm ON rm.id = p.room_id
            WHERE p.persona_id =
            """
        let rows: [PostgresRow]
        if let cursor, let after = StoreID.parse(cursor.postID) {
            rows = try await db.rows(
                """
                \(unescaped: select) \(personaID) AND p.status = 'PUBLISHED'
                  AND (p.created_at < \(cursor.createdAt) OR (p.created_at = \(cursor.createdAt) AND p.id < \(after)))
                ORDER BY p.created_at DESC, p.id DESC LIMIT \(limit)
                """)
        } else if let cursor {
            rows = try await db.rows(
                """
                \(unescaped: select) \(personaID) AND p.status = 'PUBLISHED'
                  AND (p.created_at < \(cursor.createdAt) OR (p.created_at = \(cursor.createdAt) AND p.id::text COLLATE "C" < \(cursor.postID)))
                ORDER BY p.created_at DESC, p.id DESC LIMIT \(limit)
                """)
        } else {
            rows = try await db.rows(
                """
                \(unescaped: select) \(personaID) AND p.status = 'PUBLISHED' ORDER BY p.created_at DESC, p.id DESC LIMIT \(limit)
                """)
        }
        return try rows.map { row in
            let (id, room, roomName, authored, content, created) = try row.decode((String, String, String, String, String, Timestamp).self)
            return PublicPost(
                id: id, roomID: room, roomName: roomName, authoredBy: AuthoredBy(rawValue: authored) ?? .ai, content: content, createdAt: created)
        }
    }

    /// The persona's three rooms with the most published posts (room name, in byte order, breaks ties).
    static func fetchTopRooms(_ db: Connection, personaID: UUID) async throws -> [RoomStat] {
        try await db.rows(
            """
            SELECT p.room_id::text, COALESCE(rm.name, '') AS room_name, COUNT(*) AS post_count
            FROM posts p LEFT JOIN rooms rm ON rm.id = p.room_id
            WHERE p.persona_id = \(personaID) AND p.status = 'PUBLISHED'
            GROUP BY p.room_id, rm.name ORDER BY post_count DESC, COALESCE(rm.name, '') COLLATE "C" ASC, p.room_id ASC LIMIT 3
            """
        ).map { row in
            let (room, name, count) = try row.decode((String, String, Int).self)
            return RoomStat(roomID: room, roomName: name, postCount: count)
        }
    }

    /// The owner of a persona, for the follow checks.
    public func publicPersonaOwner(personaID: String) async throws -> String? {
        guard let id = StoreID.parse(personaID) else { return nil }
        return try await quick { db in try await db.value("SELECT user_id::text FROM personas WHERE id = \(id)", as: String.self) }
    }

    /// Follows a persona (idempotent) and notifies its owner of a new follower, in one transaction. Returns whether a
    /// new follow row was created, and the follower count after it.
    public func follow(
        personaID: String, slug: String, ownerUserID: String, followerUserID: String, now: Timestamp
    ) async throws
        -> FollowResult
    {
        let persona = try StoreID.known(personaID)
        let follower = try StoreID.known(followerUserID)
        return try await write { db in
            let created =
                try await db.execute(
                    """
                    INSERT INTO persona_follows(follower_user_id, followed_persona_id, created_at) VALUES (\(follower), \(persona), \(now))
                    ON CONFLICT DO NOTHING
                    """) > 0
            if created {
                try await Self.notify(
                    db, .personaFollowed(owner: ownerUserID, follower: followerUserID, personaID: personaID, slug: slug), now: now)
            }
            let followers = try await db.value("SELECT COUNT(*) FROM persona_follows WHERE followed_persona_id = \(persona)", as: Int.self) ?? 0
            return FollowResult(created: created, followers: followers)
        }
    }
}
