import Domain

/// Personas, always scoped to their owner: another user's persona behaves as missing.
public protocol PersonaStore: Sendable {
    /// The caller's personas, newest first (id breaks ties).
    func personas(ownedBy userID: String) async throws -> [Persona]
    /// One persona if it belongs to `userID`.
    func persona(id: String, ownedBy userID: String) async throws -> Persona?
    /// Inserts a persona and its `persona_created` analytics event together, unless the user already has
    /// `maxPersonas` personas (`DomainError.personaLimitReached`); the count and the insert are one atomic step.
    func createPersona(userID: String, fields: PersonaFields, maxPersonas: Int, now: Timestamp) async throws -> Persona
    /// Replaces a persona's fields; nil when it is not the caller's.
    func updatePersona(id: String, ownedBy userID: String, fields: PersonaFields, now: Timestamp) async throws -> Persona?
    /// Deletes a persona (its dependent rows cascade; its posts and replies stay, without a persona); false when it
    /// is not the caller's.
    func deletePersona(id: String, ownedBy userID: String) async throws -> Bool
    /// The caller's personas by id (in the given order), or the first three by age when `ids` is empty; an id that is
    /// not one of the caller's throws `DomainError.unknownPersona`.
    func resolvePersonas(userID: String, ids: [String]) async throws -> [String]
    /// Today's (UTC) usage of a persona's quota.
    func quotaUsage(personaID: String, kind: QuotaKind, now: Timestamp) async throws -> Int
}
