import Domain
import Store

/// Persona CRUD and public profile publishing for the owner.
struct PersonaService: Sendable {
    let database: AppDatabase
    let clock: any AppClock
    let config: AppConfig

    /// `MAX_PERSONAS_PER_USER`: the cap a create must respect, checked with `PersonaRules.checkCapacity` inside the
    /// insert's write transaction (409 `persona limit reached`).
    var maxPersonasPerUser: Int { config.maxPersonasPerUser }

    func list(userID: String) async throws -> [Persona] {
        do { return try await database.personas(ownedBy: userID) } catch { throw error.asInternal("could not list personas") }
    }

    func create(userID: String, input: PersonaFields) async throws -> Persona {
        let fields = try PersonaRules.normalize(
            input,
            mode: .create(defaultDraftQuota: config.defaultDraftQuota, defaultReplyQuota: config.defaultReplyQuota),
            maxDailyQuota: config.maxDailyQuota)
        do { return try await database.createPersona(userID: userID, fields: fields, now: clock.now()) } catch {
            throw error.asInternal("could not create persona")
        }
    }

    func get(id: String, userID: String) async throws -> Persona {
        let found: Persona?
        do { found = try await database.persona(id: id, ownedBy: userID) } catch { throw error.asInternal("could not get persona") }
        guard let persona = found else { throw DomainError.notFound("persona not found") }
        return persona
    }

    func update(id: String, userID: String, input: PersonaFields) async throws -> Persona {
        let fields = try PersonaRules.normalize(input, mode: .update, maxDailyQuota: config.maxDailyQuota)
        let updated: Persona?
        do { updated = try await database.updatePersona(id: id, ownedBy: userID, fields: fields, now: clock.now()) } catch {
            throw error.asInternal("could not update persona")
        }
        guard let persona = updated else { throw DomainError.notFound("persona not found") }
        return persona
    }

    func delete(id: String, userID: String) async throws {
        let deleted: Bool
        do { deleted = try await database.deletePersona(id: id, ownedBy: userID) } catch { throw error.asInternal("could not delete persona") }
        guard deleted else { throw DomainError.notFound("persona not found") }
    }

    func publish(id: String, userID: String, slug rawSlug: String, bio: String) async throws -> PublicProfile {
        let exists: Bool
        do { exists = try await database.persona(id: id, ownedBy: userID) != nil } catch { throw error.asInternal("could not load persona") }
        guard exists else { throw DomainError.notFound("persona not found") }
        let requested = try ProfileRules.requestedSlug(rawSlug)
        let profileBio = try PersonaRules.bio(bio)
        let profile: PublicProfile?
        do {
            profile = try await database.publishProfile(
                personaID: id, ownedBy: userID, requestedSlug: requested,
                bio: profileBio, now: clock.now())
        } catch { throw error.asInternal("could not publish profile") }
        guard let profile else { throw DomainError.notFound("persona not found") }
        return profile
    }

    func unpublish(id: String, userID: String) async throws -> String {
        let slug: String?
        do { slug = try await database.unpublishProfile(personaID: id, ownedBy: userID) } catch {
            throw error.asInternal("could not unpublish profile")
        }
        guard let slug else { throw DomainError.notFound("persona not found") }
        return slug
    }
}
