import Domain
import Foundation
import PostgresNIO
import Storage

/// Publishing and hiding persona profiles.
extension PostgresStore {
    /// Publishes (or re-publishes) a persona's profile with a unique slug, in one transaction; nil when the persona is
    /// not the caller's. A slug taken meanwhile by another transaction is `slugTaken` (the unique violation ends the
    /// transaction; nothing is retried in it).
    public func publishProfile(
        personaID: String, ownedBy userID: String, requestedSlug: String?, bio: String, now: Timestamp
    ) async throws -> PublicProfile? {
        guard let persona = StoreID.parse(personaID), let user = StoreID.parse(userID) else { return nil }
        do {
            return try await write { db in
                guard let found = try await Self.fetchPersona(db, id: persona, userID: user) else { return nil }
                let existing = try await db.value("SELECT slug FROM persona_public_profiles WHERE persona_id = \(persona)", as: String.self)
                let base = ProfileRules.baseSlug(requested: requestedSlug, existing: existing, personaName: found.fields.name)
                let publicBio = bio.isEmpty ? found.fields.bio : bio
                var chosen: String?
                for attempt in 1...ProfileRules.maxSlugAttempts {
                    let candidate = Slug.candidate(base: base, attempt: attempt)
                    let owner = try await db.value(
                        "SELECT persona_id::text FROM persona_public_profiles WHERE slug = \(candidate)", as: String.self)
                    if owner == nil || owner == personaID {
                        chosen = candidate
                        break
                    }
                }
                guard let slug = chosen else { throw DomainError.slugExhausted }
                let row = try await db.rows(
                    """
                    INSERT INTO persona_public_profiles(persona_id, slug, is_public, bio, created_at) VALUES (\(persona), \(slug), TRUE, \(publicBio), \(now))
                    ON CONFLICT (persona_id) DO UPDATE SET slug = EXCLUDED.slug, is_public = TRUE, bio = EXCLUDED.bio
                    RETURNING slug, is_public, bio, created_at
                    """)[0]
                let (savedSlug, isPublic, savedBio, created) = try row.decode((String, Bool, String, Timestamp).self)
                return PublicProfile(personaID: personaID, slug: savedSlug, isPublic: isPublic, bio: savedBio, createdAt: created)
            }
        } catch let error as PSQLError where error.isUniqueViolation {
            throw DomainError.slugTaken
        }
    }

    /// Hides a profile. Returns nil when the persona is not the caller's, else the slug ("" when never published).
    public func unpublishProfile(personaID: String, ownedBy userID: String) async throws -> String? {
        guard let persona = StoreID.parse(personaID), let user = StoreID.parse(userID) else { return nil }
        return try await write { db in
            guard try await db.value("SELECT EXISTS(SELECT 1 FROM personas WHERE id = \(persona) AND user_id = \(user))", as: Bool.self) == true
            else { return nil }
            return try await db.value(
                "UPDATE persona_public_profiles SET is_public = FALSE WHERE persona_id = \(persona) RETURNING slug", as: String.self) ?? ""
        }
    }

    /// The public profile row of a persona (published or not), for its owner's page.
    public func profile(personaID: String) async throws -> PublicProfile? {
        guard let persona = StoreID.parse(personaID) else { return nil }
        return try await quick { db in
            try await db.rows("SELECT slug, is_public, bio, created_at FROM persona_public_profiles WHERE persona_id = \(persona)").first.map {
                let (slug, isPublic, bio, created) = try $0.decode((String, Bool, String, Timestamp).self)
                return PublicProfile(personaID: personaID, slug: slug, isPublic: isPublic, bio: bio, createdAt: created)
            }
        }
    }
}
