import Domain
import Foundation
import GRDB
import Storage

/// Personas, always scoped to their owner: another user's persona behaves as missing.
extension SQLiteStore {
    static let personaColumns = """
        id, user_id, name, bio, tone, writing_samples, do_not_say, catchphrases, preferred_language,
        formality, daily_draft_quota, daily_reply_quota, created_at, updated_at
        """

    /// The caller's personas, newest first (id breaks ties).
    /// (One user's personas, by the `user_id` index: a short read, run in place.)
    public func personas(ownedBy userID: String) async throws -> [Persona] {
        try await quickRead { db in
            try Row.fetchAll(
                db.cachedStatement(sql: "SELECT \(Self.personaColumns) FROM personas WHERE user_id = ? ORDER BY created_at DESC, id DESC"),
                arguments: [userID]
            ).map(Self.persona(from:))
        }
    }

    /// One persona if it belongs to `userID`.
    public func persona(id: String, ownedBy userID: String) async throws -> Persona? {
        try await read { db in try Self.fetchPersona(db, id: id, userID: userID) }
    }

    /// Inserts a persona and its `persona_created` analytics event together, unless the user already has
    /// `maxPersonas`: the insert carries its own condition, so the count and the insert are one atomic statement.
    public func createPersona(userID: String, fields: PersonaFields, maxPersonas: Int, now: Timestamp) async throws -> Persona {
        let persona = Persona(id: Identifiers.newUUID(), userID: userID, fields: fields, createdAt: now, updatedAt: now)
        try await write { db in
            try db.cachedStatement(
                sql: """
                    INSERT INTO personas(id, user_id, name, bio, tone, writing_samples, do_not_say, catchphrases,
                      preferred_language, formality, daily_draft_quota, daily_reply_quota, created_at, updated_at)
                    SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
                    WHERE (SELECT COUNT(*) FROM personas WHERE user_id = ?) < ?
                    """
            ).execute(arguments: Self.arguments(persona) + [userID, maxPersonas])
            guard db.changesCount > 0 else { throw DomainError.personaLimitReached }
            try Self.insertEvent(
                db, userID: userID, name: "persona_created", metadataJSON: StoredJSON.object(["persona_id": persona.id]), now: now)
        }
        return persona
    }

    /// Replaces a persona's fields; nil when it is not the caller's.
    public func updatePersona(id: String, ownedBy userID: String, fields: PersonaFields, now: Timestamp) async throws -> Persona? {
        try await write { db in
            try db.cachedStatement(
                sql: """
                    UPDATE personas SET name = ?, bio = ?, tone = ?, writing_samples = ?, do_not_say = ?, catchphrases = ?,
                      preferred_language = ?, formality = ?, daily_draft_quota = ?, daily_reply_quota = ?, updated_at = ?
                    WHERE id = ? AND user_id = ?
                    """
            ).execute(arguments: [
                fields.name, fields.bio, fields.tone, StoredJSON.array(fields.writingSamples),
                StoredJSON.array(fields.doNotSay), StoredJSON.array(fields.catchphrases),
                fields.preferredLanguage, fields.formality, fields.dailyDraftQuota,
                fields.dailyReplyQuota, now.storageString, id, userID,
            ])
            guard db.changesCount > 0 else { return nil }
            return try Self.fetchPersona(db, id: id, userID: userID)
        }
    }

    /// Deletes a persona (its dependent rows cascade; its posts and replies stay, without a persona); false when it is not the caller's.
    public func deletePersona(id: String, ownedBy userID: String) async throws -> Bool {
        try await write { db in
            try db.cachedStatement(sql: "DELETE FROM personas WHERE id = ? AND user_id = ?").execute(arguments: [id, userID])
            return db.changesCount > 0
        }
    }

    static func fetchPersona(_ db: Database, id: String, userID: String) throws -> Persona? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT \(personaColumns) FROM personas WHERE id = ? AND user_id = ?"), arguments: [id, userID])
            .map(persona(from:))
    }

    /// A row of `personaColumns`, read by position: looking a column up by name costs a case-insensitive
    /// search per field, and this mapping runs for every persona of every `GET /personas`.
    static func persona(from row: Row) -> Persona {
        let fields = PersonaFields(
            name: row[2], bio: row[3], tone: row[4],
            writingSamples: StoredJSON.strings(row[5]), doNotSay: StoredJSON.strings(row[6]),
            catchphrases: StoredJSON.strings(row[7]), preferredLanguage: row[8],
            formality: row[9], dailyDraftQuota: row[10], dailyReplyQuota: row[11])
        return Persona(id: row[0], userID: row[1], fields: fields, createdAt: timestamp(row[12]), updatedAt: timestamp(row[13]))
    }

    static func arguments(_ p: Persona) -> StatementArguments {
        let f = p.fields
        return [
            p.id, p.userID, f.name, f.bio, f.tone, StoredJSON.array(f.writingSamples), StoredJSON.array(f.doNotSay),
            StoredJSON.array(f.catchphrases), f.preferredLanguage, f.formality, f.dailyDraftQuota, f.dailyReplyQuota,
            p.createdAt.storageString, p.updatedAt.storageString,
        ]
    }

    static func timestamp(_ text: String?) -> Timestamp {
        text.flatMap { Timestamp(storage: $0) } ?? Timestamp(microseconds: 0)
    }
}
