import Domain
import GRDB
import Storage

/// Public profiles of personas.
extension SQLiteStore {
    /// Publishes (or re-publishes) a persona's profile with a unique slug, all in one write transaction.
    ///
    /// Returns nil when the persona is not the caller's.
    public func publishProfile(
        personaID: String, ownedBy userID: String, requestedSlug: String?, bio: String,
        now: Timestamp
    ) async throws -> PublicProfile? {
        do {
            return try await write { db in
                guard let persona = try Self.fetchPersona(db, id: personaID, userID: userID) else { return nil }
                let existing = try String.fetchOne(
                    db.cachedStatement(sql: "SELECT slug FROM persona_public_profiles WHERE persona_id = ?"),
                    arguments: [personaID])
                let base = ProfileRules.baseSlug(requested: requestedSlug, existing: existing, personaName: persona.fields.name)
                let publicBio = bio.isEmpty ? persona.fields.bio : bio
                var chosen: String?
                for attempt in 1...ProfileRules.maxSlugAttempts {
                    let candidate = Slug.candidate(base: base, attempt: attempt)
                    let owner = try String.fetchOne(
                        db.cachedStatement(sql: "SELECT persona_id FROM persona_public_profiles WHERE slug = ?"),
                        arguments: [candidate])
                    if owner == nil || owner == personaID {
                        chosen = candidate
                        break
                    }
                }
                guard let slug = chosen else { throw DomainError.slugExhausted }
                let row = try Row.fetchOne(
                    db.cachedStatement(
                        sql: """
                            INSERT INTO persona_public_profiles(persona_id, slug, is_public, bio, created_at) VALUES (?, ?, 1, ?, ?)
                            ON CONFLICT(persona_id) DO UPDATE SET slug = excluded.slug, is_public = 1, bio = excluded.bio
                            RETURNING slug, is_public, bio, created_at
                            """), arguments: [personaID, slug, publicBio, now.storageString])!
                return PublicProfile(
                    personaID: personaID, slug: row["slug"], isPublic: row["is_public"],
                    bio: row["bio"], createdAt: Self.timestamp(row["created_at"]))
            }
        } catch let error as DatabaseError where error.isUniqueViolation {
            throw DomainError.slugTaken
        }
    }

    /// Hides a profile. Returns nil when the persona is not the caller's, else the slug ("" when never published).
    public func unpublishProfile(personaID: String, ownedBy userID: String) async throws -> String? {
        try await write { db in
            guard
                try Bool.fetchOne(
                    db.cachedStatement(sql: "SELECT EXISTS(SELECT 1 FROM personas WHERE id = ? AND user_id = ?)"),
                    arguments: [personaID, userID]) == true
            else { return nil }
            let slug = try String.fetchOne(
                db.cachedStatement(
                    sql: """
                        UPDATE persona_public_profiles SET is_public = 0 WHERE persona_id = ? RETURNING slug
                        """), arguments: [personaID])
            return slug ?? ""
        }
    }
}
