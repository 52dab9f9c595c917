import Domain
import Storage

/// Persona CRUD and public profile publishing for the owner.
struct PersonaService: Sendable {
    let store: any PersonaStore & ProfileStore
    let clock: any AppClock
    let config: AppConfig

    /// The persona's public profile row (published or not), for its owner's page.
    func profile(of persona: Persona) async throws -> PublicProfile? {
        do { return try await store.profile(personaID: persona.id) } catch { throw error.asInternal("could not load profile") }
    }

    /// Today's (UTC) use of a persona's draft and reply quotas.
    func quotaUse(of persona: Persona) async throws -> (drafts: Int, replies: Int) {
        let now = clock.now()
        do {
            return (
                try await store.quotaUsage(personaID: persona.id, kind: .draft, now: now),
                try await store.quotaUsage(personaID: persona.id, kind: .reply, now: now)
            )
        } catch { throw error.asInternal("could not load quota") }
    }

    func list(userID: String) async throws -> [Persona] {
        do { return try await store.personas(ownedBy: userID) } catch { throw error.asInternal("could not list personas") }
    }

    func create(userID: String, input: PersonaFields) async throws -> Persona {
        let fields = try PersonaRules.normalize(
            input,
            mode: .create(defaultDraftQuota: config.defaultDraftQuota, defaultReplyQuota: config.defaultReplyQuota),
            maxDailyQuota: config.maxDailyQuota)
        do { return try await store.createPersona(userID: userID, fields: fields, maxPersonas: config.maxPersonasPerUser, now: clock.now()) } catch {
            throw error.asInternal("could not create persona")
        }
    }

    func get(id: String, userID: String) async throws -> Persona {
        let found: Persona?
        do { found = try await store.persona(id: id, ownedBy: userID) } catch { throw error.asInternal("could not get persona") }
        guard let persona = found else { throw DomainError.notFound("persona not found") }
        return persona
    }

    func update(id: String, userID: String, input: PersonaFields) async throws -> Persona {
        let fields = try PersonaRules.normalize(input, mode: .update, maxDailyQuota: config.maxDailyQuota)
        let updated: Persona?
        do { updated = try await store.updatePersona(id: id, ownedBy: userID, fields: fields, now: clock.now()) } catch {
            throw error.asInternal("could not update persona")
        }
        guard let persona = updated else { throw DomainError.notFound("persona not found") }
        return persona
    }

    func delete(id: String, userID: String) async throws {
        let deleted: Bool
        do { deleted = try await store.deletePersona(id: id, ownedBy: userID) } catch { throw error.asInternal("could not delete persona") }
        guard deleted else { throw DomainError.notFound("persona not found") }
    }

    func publish(id: String, userID: String, slug rawSlug: String, bio: String) async throws -> PublicProfile {
        let exists: Bool
        do { exists = try await store.persona(id: id, ownedBy: userID) != nil } catch { throw error.asInternal("could not load persona") }
        guard exists else { throw DomainError.notFound("persona not found") }
        let requested = try ProfileRules.requestedSlug(rawSlug)
        let profileBio = try PersonaRules.bio(bio)
        let profile: PublicProfile?
        do {
            profile = try await store.publishProfile(
                personaID: id, ownedBy: userID, requestedSlug: requested,
                bio: profileBio, now: clock.now())
        } catch { throw error.asInternal("could not publish profile") }
        guard let profile else { throw DomainError.notFound("persona not found") }
        return profile
    }

    func unpublish(id: String, userID: String) async throws -> String {
        let slug: String?
        do { slug = try await store.unpublishProfile(personaID: id, ownedBy: userID) } catch {
            throw error.asInternal("could not unpublish profile")
        }
        guard let slug else { throw DomainError.notFound("persona not found") }
        return slug
    }
}
