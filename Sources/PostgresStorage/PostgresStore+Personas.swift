import Domain
import Foundation
import PostgresNIO
import Storage

/// Personas, always scoped to their owner: another user's persona behaves as missing.
extension PostgresStore {
    static let personaColumns = """
        id::text, user_id::text, name, bio, tone, writing_samples::text, do_not_say::text, catchphrases::text, preferred_language,
        formality, daily_draft_quota, daily_reply_quota, created_at, updated_at
        """

    /// The caller's personas, newest first (id breaks ties). On every `GET /personas`, so a prepared statement.
    public func personas(ownedBy userID: String) async throws -> [Persona] {
        guard let id = StoreID.parse(userID) else { return [] }
        return try await quick { db in try await db.prepared(PersonasOfUser(userID: id)) }
    }

    /// One persona if it belongs to `userID`.
    public func persona(id: String, ownedBy userID: String) async throws -> Persona? {
        guard let id = StoreID.parse(id), let user = StoreID.parse(userID) else { return nil }
        return try await quick { db in try await Self.fetchPersona(db, id: id, userID: user) }
    }

    /// Inserts a persona and its `persona_created` analytics event together, unless the user already has
    /// `maxPersonas` (`personaLimitReached`). The user's row is locked first, so concurrent creations for one user
    /// take turns and the count and the insert are one atomic step at READ COMMITTED (a conditional INSERT alone would
    /// let two of them count the same rows); `FOR NO KEY UPDATE` leaves other writes' foreign-key checks on the user
    /// alone.
    public func createPersona(userID: String, fields: PersonaFields, maxPersonas: Int, now: Timestamp) async throws -> Persona {
        let id = UUID()
        guard let user = StoreID.parse(userID) else { throw DomainError.referenceGone }
        let persona = Persona(id: id.lower, userID: userID, fields: fields, createdAt: now, updatedAt: now)
        try await write { db in
            guard try await !db.rows("SELECT 1 FROM users WHERE id = \(user) FOR NO KEY UPDATE").isEmpty else { throw DomainError.referenceGone }
            let inserted = try await db.execute(
                """
                INSERT INTO personas(id, user_id, name, bio, tone, writing_samples, do_not_say, catchphrases,
                  preferred_language, formality, daily_draft_quota, daily_reply_quota, created_at, updated_at)
                SELECT \(id), \(user), \(fields.name), \(fields.bio), \(fields.tone), \(JSONB(StoredJSON.array(fields.writingSamples))),
                  \(JSONB(StoredJSON.array(fields.doNotSay))), \(JSONB(StoredJSON.array(fields.catchphrases))), \(fields.preferredLanguage),
                  \(fields.formality), \(fields.dailyDraftQuota), \(fields.dailyReplyQuota), \(now), \(now)
                WHERE (SELECT COUNT(*) FROM personas WHERE user_id = \(user)) < \(maxPersonas)
                """)
            guard inserted > 0 else { throw DomainError.personaLimitReached }
            try await Self.insertEvent(
                db, userID: user, name: "persona_created", metadataJSON: StoredJSON.object(["persona_id": persona.id]), now: now)
        }
        return persona
    }

    /// Replaces a persona's fields; nil when it is not the caller's.
    public func updatePersona(id: String, ownedBy userID: String, fields: PersonaFields, now: Timestamp) async throws -> Persona? {
        guard let id = StoreID.parse(id), let user = StoreID.parse(userID) else { return nil }
        return try await quick { db in
            try await db.rows(
                """
                UPDATE personas SET name = \(fields.name), bio = \(fields.bio), tone = \(fields.tone),
                  writing_samples = \(JSONB(StoredJSON.array(fields.writingSamples))), do_not_say = \(JSONB(StoredJSON.array(fields.doNotSay))),
                  catchphrases = \(JSONB(StoredJSON.array(fields.catchphrases))), preferred_language = \(fields.preferredLanguage),
                  formality = \(fields.formality), daily_draft_quota = \(fields.dailyDraftQuota),
                  daily_reply_quota = \(fields.dailyReplyQuota), updated_at = \(now)
                WHERE id = \(id) AND user_id = \(user)
                RETURNING \(unescaped: Self.personaColumns)
                """
            ).first.map(Self.persona(from:))
        }
    }

    /// Deletes a persona (its dependent rows cascade; its posts and replies stay, without a persona); false when it is
    /// not the caller's.
    public func deletePersona(id: String, ownedBy userID: String) async throws -> Bool {
        guard let id = StoreID.parse(id), let user = StoreID.parse(userID) else { return false }
        return try await quick { db in try await db.execute("DELETE FROM personas WHERE id = \(id) AND user_id = \(user)") > 0 }
    }

    /// The caller's personas by id (in the given order), or the first three by age when `ids` is empty; an id that is
    /// not one of the caller's throws `unknownPersona`.
    public func resolvePersonas(userID: String, ids: [String]) async throws -> [String] {
        let user = StoreID.parse(userID)
        if ids.isEmpty {
            guard let user else { return [] }
            return try await quick { db in
                try await db.column(
                    "SELECT id::text FROM personas WHERE user_id = \(user) ORDER BY created_at ASC, id ASC LIMIT 3", as: String.self)
            }
        }
        let wanted = ids.map { $0.lowercased() }
        let owned: Set<String> = try await {
            guard let user else { return [] }
            let parsed = wanted.compactMap(StoreID.parse)
            guard !parsed.isEmpty else { return [] }
            return Set(
                try await quick { db in
                    try await db.column("SELECT id::text FROM personas WHERE user_id = \(user) AND id = ANY(\(parsed))", as: String.self)
                })
        }()
        for (raw, id) in zip(ids, wanted) where !owned.contains(id) { throw DomainError.unknownPersona(raw) }
        return wanted
    }

    /// Today's (UTC) usage of a quota.
    public func quotaUsage(personaID: String, kind: QuotaKind, now: Timestamp) async throws -> Int {
        guard let id = StoreID.parse(personaID) else { return 0 }
        return try await quick { db in try await Self.usage(db, personaID: id, kind: kind, now: now) }
    }

    static func usage(_ db: Connection, personaID: UUID, kind: QuotaKind, now: Timestamp) async throws -> Int {
        try await db.value(
            """
            SELECT used FROM quota_counters WHERE persona_id = \(personaID) AND quota_type = \(kind.rawValue) AND day = \(SQLDate(DailyQuota.dayKey(now)))
            """, as: Int.self) ?? 0
    }

    /// Consumes one unit of quota atomically: the day's counter row moves only while it is below the limit (one
    /// conditional upsert; concurrent writers wait on the row and re-check the condition, so no count-then-insert
    /// race), and the use is recorded in `quota_events`. Throws `quotaReached` when used up; returns the usage after it.
    @discardableResult
    static func consumeQuota(_ db: Connection, personaID: UUID, quota: DailyQuota, now: Timestamp) async throws -> Int {
        let limit = quota.limit
        guard
            let used = try await db.value(
                """
                INSERT INTO quota_counters(persona_id, quota_type, day, used)
                SELECT \(personaID), \(quota.kind.rawValue), \(SQLDate(DailyQuota.dayKey(now))), 1 WHERE \(limit) > 0
                ON CONFLICT (persona_id, quota_type, day) DO UPDATE SET used = quota_counters.used + 1 WHERE quota_counters.used < \(limit)
                RETURNING used
                """, as: Int.self)
        else { throw DomainError.quotaReached(quota.kind) }
        try await db.execute(
            "INSERT INTO quota_events(persona_id, quota_type, created_at) VALUES (\(personaID), \(quota.kind.rawValue), \(now))")
        return used
    }

    static func fetchPersona(_ db: Connection, id: UUID, userID: UUID) async throws -> Persona? {
        try await db.rows("SELECT \(unescaped: personaColumns) FROM personas WHERE id = \(id) AND user_id = \(userID)").first.map(persona(from:))
    }

    /// A row of `personaColumns`.
    static func persona(from row: PostgresRow) throws -> Persona {
        let (id, user, name, bio, tone, samples, avoid, phrases, language, formality, drafts, replies, created, updated) = try row.decode(
            (String, String, String, String, String, String, String, String, String, Int, Int, Int, Timestamp, Timestamp).self)
        let fields = PersonaFields(
            name: name, bio: bio, tone: tone, writingSamples: StoredJSON.strings(samples), doNotSay: StoredJSON.strings(avoid),
            catchphrases: StoredJSON.strings(phrases), preferredLanguage: language, formality: formality,
            dailyDraftQuota: drafts, dailyReplyQuota: replies)
        return Persona(id: id, userID: user, fields: fields, createdAt: created, updatedAt: updated)
    }
}

/// A user's personas, newest first, prepared: `GET /personas`.
struct PersonasOfUser: PostgresPreparedStatement {
    static let name = String(reflecting: Self.self)
    static let sql = "SELECT \(PostgresStore.personaColumns) FROM personas WHERE user_id = $1 ORDER BY created_at DESC, id DESC"
    typealias Row = Persona
    let userID: UUID

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(userID)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Persona { try PostgresStore.persona(from: row) }
}
