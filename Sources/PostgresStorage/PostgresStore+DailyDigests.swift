import Domain
import Foundation
import PostgresNIO
import Storage

/// Daily persona digests: which are due, their day's activity, and the fenced write.
extension PostgresStore {
    /// Claims up to `limit` personas whose digest for today is missing, or older than their newest activity today and
    /// written at or before `staleBefore` (personas with no activity need no row: the read route answers with the
    /// placeholder), oldest first, looking at the activity since `activitySince` only (`DigestStore`). The candidates
    /// are read, then each is claimed with the lease's conditional upsert, so two schedulers that read the same
    /// candidates split them instead of both working on one.
    public func claimDailyDigests(
        now: Timestamp, holder: String, lease: Double, limit: Int, staleBefore: Timestamp, activitySince: Timestamp
    ) async throws -> [DailyDigestWork] {
        let date = now.dateString
        let lookStart = DailyDigestRules.lookStart(now: now, activitySince: activitySince)
        let query: PostgresQuery = """
            SELECT pe.id, pe.name, pe.bio, pe.tone, pe.preferred_language, d.summary, d.stats::text
            FROM (SELECT persona_id, MAX(created_at) AS last FROM persona_activity_events WHERE created_at >= \(lookStart) GROUP BY persona_id) a
            JOIN personas pe ON pe.id = a.persona_id
            LEFT JOIN persona_digests d ON d.persona_id = a.persona_id AND d.date = \(SQLDate(date))
            WHERE (d.id IS NULL OR (d.updated_at < a.last AND d.updated_at <= \(staleBefore)))
              AND NOT EXISTS (SELECT 1 FROM digest_leases l WHERE l.kind = 'daily' AND l.subject_id = a.persona_id
                              AND l.period = \(SQLDate(date)) AND l.expires_at > \(now))
            ORDER BY d.updated_at ASC NULLS FIRST, pe.created_at ASC, pe.id ASC LIMIT \(limit)
            """
        // Most passes find nothing due: the look outside a transaction makes such a pass one statement, not three, which
        // is most of what an idle node asks of the database.
        guard try await quick({ try await $0.rows(query) }).isEmpty == false else { return [] }
        return try await write { db in
            let due = try await db.rows(query).map { row in
                try row.decode((UUID, String, String, String, String, String?, String?).self)
            }
            let claimed = try await Self.claimLeases(
                db, kind: .daily, subjects: due.map(\.0), period: date, holder: holder, until: now.adding(seconds: lease), now: now)
            var work: [DailyDigestWork] = []
            for (persona, name, bio, tone, language, summary, stats) in due {
                guard claimed.contains(persona) else { continue }
                let existing: (String, String)? = stats.map { (summary ?? "", StoredDocument.canonical($0)) }
                work.append(
                    DailyDigestWork(
                        persona: LLMPersona(id: persona.lower, name: name, bio: bio, tone: tone), language: language, date: date,
                        claimedAt: now, existing: existing))
            }
            return work
        }
    }

    /// The persona's activity from `since` on, outside a transaction: the claimed leases' row locks are not held while
    /// it is read, so another node's scheduler claiming the same personas does not wait on it.
    public func personaDayActivity(personaID: String, since: Timestamp) async throws -> PersonaDayActivity {
        guard let persona = StoreID.parse(personaID) else { return PersonaDayActivity() }
        return try await quick { db in try await Self.dayActivity(db, personaID: persona, since: since) }
    }

    /// Deletes the daily leases `holder` still holds among `personaIDs` for `date`, in one statement.
    public func releaseDailyDigests(personaIDs: [String], date: String, holder: String) async throws {
        let personas = personaIDs.compactMap(StoreID.parse)
        guard !personas.isEmpty else { return }
        _ = try await quick { db in
            try await db.execute(
                """
                DELETE FROM digest_leases
                WHERE kind = \(DigestKind.daily.rawValue) AND subject_id = ANY(\(personas)) AND period = \(SQLDate(date)) AND holder = \(holder)
                """)
        }
    }

    static func dayActivity(_ db: Connection, personaID: UUID, since: Timestamp) async throws -> PersonaDayActivity {
        let rows = try await db.rows(
            """
            SELECT a.type, a.created_at, a.metadata->>'post_id', a.metadata->>'room_id', a.metadata->>'post_preview',
                   p.room_id::text, rm.name, p.content
            FROM persona_activity_events a
            LEFT JOIN posts p ON p.id = \(unescaped: StoreID.uuidOrNull("a.metadata->>'post_id'")) LEFT JOIN rooms rm ON rm.id = p.room_id
            WHERE a.persona_id = \(personaID) AND a.created_at >= \(since)
            ORDER BY a.created_at ASC, a.id ASC
            """)
        var posts = 0
        var replies = 0
        var threads: [DailyDigestRules.ThreadEvent] = []
        for row in rows {
            let (type, created, postID, metaRoom, metaPreview, postRoom, roomName, postContent) = try row.decode(
                (String, Timestamp, String?, String?, String?, String?, String?, String?).self)
            switch type {
            case "post_created": posts += 1
            case "reply_generated": replies += 1
            case "thread_participated":
                threads.append(
                    .init(
                        postID: postID ?? "", metaRoomID: metaRoom, metaPreview: metaPreview, postRoomID: postRoom, roomName: roomName,
                        postContent: postContent, createdAt: created))
            default: break
            }
        }
        return PersonaDayActivity(posts: posts, replies: replies, threads: DailyDigestRules.topThreads(from: threads))
    }

    /// Writes the digest if this node still holds the lease and it differs from the stored one (compared as JSON
    /// values: `jsonb` keeps no text), then releases the lease.
    public func finishDailyDigest(
        personaID: String, date: String, summary: String, stats: String, holder: String, snapshotAt: Timestamp, now: Timestamp
    ) async throws -> DigestWrite {
        let persona = try StoreID.known(personaID)
        return try await write { db in
            guard try await Self.holdsLease(db, kind: .daily, subject: persona, period: date, holder: holder, now: now) else { return .lostLease }
            let unchanged =
                try await db.value(
                    """
                    SELECT summary = \(summary) AND stats = \(JSONB(stats)) FROM persona_digests WHERE persona_id = \(persona) AND date = \(SQLDate(date))
                    """, as: Bool.self) ?? false
            let outcome: DigestWrite
            if unchanged {
                // Unchanged text: only the freshness moves, so the persona is not picked again for the same activity.
                try await db.execute(
                    "UPDATE persona_digests SET updated_at = \(snapshotAt) WHERE persona_id = \(persona) AND date = \(SQLDate(date))")
                outcome = .unchanged
            } else {
                try await db.execute(
                    """
                    INSERT INTO persona_digests(persona_id, date, summary, stats, created_at, updated_at)
                    VALUES (\(persona), \(SQLDate(date)), \(summary), \(JSONB(stats)), \(now), \(snapshotAt))
                    ON CONFLICT (persona_id, date) DO UPDATE SET summary = EXCLUDED.summary, stats = EXCLUDED.stats, updated_at = EXCLUDED.updated_at
                    """)
                outcome = .written
            }
            try await Self.releaseLease(db, kind: .daily, subject: persona, period: date)
            return outcome
        }
    }

    /// A stored persona digest: that `date`'s or, with nil, the latest.
    public func personaDigest(personaID: String, date: String?) async throws -> StoredPersonaDigest? {
        guard let persona = StoreID.parse(personaID) else { return nil }
        return try await quick { db in
            let columns = "to_char(date, 'YYYY-MM-DD'), summary, stats::text, updated_at"
            let rows =
                if let date {
                    try await db.rows(
                        "SELECT \(unescaped: columns) FROM persona_digests WHERE persona_id = \(persona) AND date = \(SQLDate(date))")
                } else {
                    try await db.rows("SELECT \(unescaped: columns) FROM persona_digests WHERE persona_id = \(persona) ORDER BY date DESC LIMIT 1")
                }
            return try rows.first.map { row in
                let (date, summary, stats, updated) = try row.decode((String, String, String, Timestamp).self)
                return StoredPersonaDigest(date: date, summary: summary, stats: StoredDocument.canonical(stats), updatedAt: updated)
            }
        }
    }
}
