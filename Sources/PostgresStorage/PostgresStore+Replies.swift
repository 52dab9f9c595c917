import Domain
import Foundation
import PostgresNIO
import Storage

/// Reply generation: enqueueing jobs and writing worker replies.
extension PostgresStore {
    /// Enqueues one `generate_reply` job per persona in one transaction (generate-replies), skipping personas that
    /// cannot take one (`enqueueReplyJobs`), and records `battle_created` when any was enqueued.
    public func enqueueReplies(
        postID: String, personaIDs: [String], userID: String, payloadExtra: [String: String], maxAttempts: Int, now: Timestamp
    ) async throws -> EnqueueResult {
        guard let post = StoreID.parse(postID), let user = StoreID.parse(userID) else {
            return EnqueueResult(enqueued: 0, skipped: personaIDs.count)
        }
        return try await write { db in
            let result = try await Self.enqueueReplyJobs(
                db, postID: post, personaIDs: personaIDs, userID: user, payloadExtra: payloadExtra, maxAttempts: maxAttempts, now: now)
            if result.enqueued > 0 {
                try await Self.insertEvent(
                    db, userID: user, name: "battle_created",
                    metadataJSON: #"{"enqueued_count":\#(result.enqueued),"post_id":"\#(postID)"}"#, now: now)
            }
            return result
        }
    }

    /// Inserts one `generate_reply` job per persona inside the caller's transaction. A persona is skipped when it is not
    /// the caller's, is at its daily reply quota counting the jobs it already has queued, already replied, or has an
    /// active job for the post (`ReplyCandidate.canTake`); `uq_jobs_active_generate_reply` turns a concurrent duplicate
    /// into a skip (`ON CONFLICT DO NOTHING`: no error, so the transaction goes on).
    ///
    /// SQLite runs one writer at a time; at READ COMMITTED two enqueues would each count the other's jobs as not yet
    /// queued. So the personas' rows are locked first (in id order, so two enqueues never wait for each other in a
    /// cycle; `FOR NO KEY UPDATE` leaves the foreign-key checks of other writes alone), and each persona's counts are
    /// read by a later statement, whose snapshot sees what the previous holder committed. The pair's retry-waiting
    /// FAILED jobs are locked too before the insert: a claim moving one of them to PROCESSING holds the same lock
    /// (`ClaimJobs`), so the claim and the insert never both put the pair into the unique index.
    ///
    /// Before any lock, one statement reads the same facts from what is committed, and a persona that cannot take a
    /// job there is skipped without locking its row: a skip decided on a committed state is the answer an enqueue run
    /// alone at that moment would give (a reply stays, a job that was active was, a quota that was full was). Why: a
    /// burst of enqueues for one persona (a double-clicked button, a retrying client) otherwise takes turns on the
    /// persona's row, each holding a pooled connection while it waits; with the pre-check only the enqueues that
    /// started before the first one committed take a turn, the rest answer at once.
    static func enqueueReplyJobs(
        _ db: Connection, postID: UUID, personaIDs: [String], userID: UUID, payloadExtra: [String: String], maxAttempts: Int,
        now: Timestamp
    ) async throws -> EnqueueResult {
        var result = EnqueueResult()
        let wanted = Array(Set(personaIDs.compactMap(StoreID.parse)))
        let committed = try await replyCandidates(db, postID: postID, personaIDs: wanted, userID: userID, maxAttempts: maxAttempts, now: now)
        let open = wanted.filter { committed[$0]?.canTake == true }
        let owned =
            open.isEmpty
            ? []
            : Set(
                try await db.column(
                    "SELECT id FROM personas WHERE id = ANY(\(open)) AND user_id = \(userID) ORDER BY id FOR NO KEY UPDATE", as: UUID.self))
        for personaText in personaIDs {
            guard let personaID = StoreID.parse(personaText), owned.contains(personaID) else {
                result.skipped += 1
                continue
            }
            try await db.execute(
                """
                SELECT id FROM jobs WHERE post_id = \(postID) AND persona_id = \(personaID) AND job_type = \(unescaped: JobKind.generateReply.sql)
                  AND status = 'FAILED' ORDER BY id FOR UPDATE
                """)
            let locked = try await replyCandidates(db, postID: postID, personaIDs: [personaID], userID: userID, maxAttempts: maxAttempts, now: now)
            guard locked[personaID]?.canTake == true else {
                result.skipped += 1
                continue
            }
            var payload = payloadExtra
            payload["post_id"] = postID.lower
            payload["persona_id"] = personaID.lower
            let inserted = try await db.prepared(
                EnqueueReplyJob(postID: postID, personaID: personaID, payload: JSONB(StoredJSON.object(payload)), now: now))
            if inserted.isEmpty { result.skipped += 1 } else { result.enqueued += 1 }
        }
        return result
    }

    /// What decides whether a persona can take a reply job for a post: its daily reply quota and use, its queued jobs,
    /// whether it already replied and whether the pair has an active job.
    struct ReplyCandidate {
        let limit: Int
        let used: Int
        let queued: Int
        let replied: Bool
        let hasActive: Bool

        var canTake: Bool { DailyQuota(.reply, limit: limit).allows(used: used, pending: queued) && !replied && !hasActive }
    }

    /// The `ReplyCandidate` of each of `personaIDs` that is `userID`'s, in one statement (as of its snapshot).
    static func replyCandidates(
        _ db: Connection, postID: UUID, personaIDs: [UUID], userID: UUID, maxAttempts: Int, now: Timestamp
    ) async throws -> [UUID: ReplyCandidate] {
        guard !personaIDs.isEmpty else { return [:] }
        let day = SQLDate(DailyQuota.dayKey(now))
        let active = activeJob(maxAttempts)
        let rows = try await db.rows(
            """
            SELECT pe.id, pe.daily_reply_quota,
              COALESCE((SELECT used FROM quota_counters WHERE persona_id = pe.id AND quota_type = 'reply' AND day = \(day)), 0),
              (SELECT COUNT(*) FROM jobs WHERE persona_id = pe.id AND job_type = \(unescaped: JobKind.generateReply.sql) AND \(unescaped: active)),
              EXISTS(SELECT 1 FROM replies WHERE post_id = \(postID) AND persona_id = pe.id),
              EXISTS(SELECT 1 FROM jobs WHERE post_id = \(postID) AND persona_id = pe.id AND job_type = \(unescaped: JobKind.generateReply.sql)
                     AND \(unescaped: active))
            FROM personas pe WHERE pe.id = ANY(\(personaIDs)) AND pe.user_id = \(userID)
            """)
        var candidates: [UUID: ReplyCandidate] = [:]
        for row in rows {
            let (id, limit, used, queued, replied, hasActive) = try row.decode((UUID, Int, Int, Int, Bool, Bool).self)
            candidates[id] = ReplyCandidate(limit: limit, used: used, queued: queued, replied: replied, hasActive: hasActive)
        }
        return candidates
    }

    /// Loads the persona, post, thread and template of a reply job; nil means the persona is gone. Uses the context
    /// prefetched by the claim transaction when there is one (no extra read).
    public func replyJobContext(_ job: ClaimedJob, now: Timestamp) async throws -> ReplyJobContext? {
        switch job.prefetched {
        case .ready(let context)?: return context
        case .personaMissing?: return nil
        case nil: return try await read { db in try await Self.fetchReplyContext(db, job, now: now) }
        }
    }

    static func fetchReplyContext(_ db: Connection, _ job: ClaimedJob, now: Timestamp) async throws -> ReplyJobContext? {
        guard let personaID = StoreID.parse(job.personaID), let postID = StoreID.parse(job.postID),
            let row = try await db.rows(
                """
                SELECT pe.id::text, pe.name, pe.bio, pe.tone, pe.daily_reply_quota,
                  EXISTS(SELECT 1 FROM replies WHERE post_id = \(postID) AND persona_id = pe.id),
                  COALESCE((SELECT used FROM quota_counters WHERE persona_id = pe.id AND quota_type = 'reply'
                              AND day = \(SQLDate(DailyQuota.dayKey(now)))), 0)
                FROM personas pe WHERE pe.id = \(personaID)
                """
            ).first
        else { return nil }
        let (id, name, bio, tone, quota, replied, used) = try row.decode((String, String, String, String, Int, Bool, Int).self)
        let post = try await fetchPost(db, id: postID)
        let thread = try await db.rows("SELECT id::text, content FROM replies WHERE post_id = \(postID) ORDER BY created_at ASC, id ASC")
            .map { row in
                let (id, content) = try row.decode((String, String).self)
                return LLMText(id: id, content: content)
            }
        var template: LLMTemplate?
        if let templateID = job.templateID.flatMap(StoreID.parse) {
            template = try await db.rows("SELECT name, prompt_rules, word_limit FROM templates WHERE id = \(templateID)").first.map { row in
                let (name, rules, words) = try row.decode((String, String, Int).self)
                return LLMTemplate(name: name, promptRules: rules, wordLimit: words)
            }
        }
        return ReplyJobContext(
            persona: LLMPersona(id: id, name: name, bio: bio, tone: tone), dailyReplyQuota: quota, repliesToday: used, post: post,
            alreadyReplied: replied, thread: thread, template: template)
    }

    /// Writes the reply, quota use and activity events and marks the job DONE, atomically, in the group-committed
    /// transaction of the worker loops finishing at the same time. With `claimNext`, the next job is claimed in the
    /// same savepoint (not after a rollback).
    public func completeReplyJob(
        _ job: ClaimedJob, content: String, post: Post, quota: Int, now: Timestamp, claimNext policy: QueuePolicy?
    ) async throws -> (ReplyWrite, next: ClaimedJob?) {
        let reap = chainedClaimReaps(policy, now: now)
        do {
            return try await batchedWrite { db in
                let result = try await Self.writeReply(db, job, content: content, post: post, quota: quota, now: now)
                return (result, try await policy.asyncMap { try await Self.claimNext(db, policy: $0, now: now, reap: reap) } ?? nil)
            }
        } catch is QuotaRollback {
            return (.quotaReached, nil)
        }
    }

    private static func writeReply(
        _ db: Connection, _ job: ClaimedJob, content: String, post: Post, quota: Int, now: Timestamp
    ) async throws
        -> ReplyWrite
    {
        // The fenced DONE first: if the claim was lost, nothing else is written.
        guard try await markDone(db, job, now: now) else { return .lostClaim }
        let postID = try StoreID.known(job.postID)
        let personaID = try StoreID.known(job.personaID)
        let inserted = try await db.execute(
            """
            INSERT INTO replies(id, post_id, persona_id, user_id, authored_by, content, created_at, updated_at)
            VALUES (\(UUID()), \(postID), \(personaID), NULL, 'AI', \(content), \(now), \(now))
            ON CONFLICT (post_id, persona_id) WHERE persona_id IS NOT NULL DO NOTHING
            """)
        guard inserted > 0 else { return .alreadyExisted }
        do {
            try await consumeQuota(db, personaID: personaID, quota: DailyQuota(.reply, limit: quota), now: now)
        } catch DomainError.quotaReached {
            throw QuotaRollback()
        }
        let metadata = CompactJSON.encode(
            .object([
                ("post_id", .string(job.postID)), ("post_preview", .string(post.content.truncatedRunes(200))),
                ("reply_preview", .string(content.truncatedRunes(200))), ("room_id", .string(post.roomID)),
            ]))
        try await db.execute(
            """
            INSERT INTO persona_activity_events(persona_id, type, metadata, created_at)
            VALUES (\(personaID), 'reply_generated', \(JSONB(metadata)), \(now)), (\(personaID), 'thread_participated', \(JSONB(metadata)), \(now))
            """)
        return .written
    }
}

/// Thrown inside the reply's savepoint to roll back the DONE and the reply when the quota filled up.
struct QuotaRollback: Error {}

/// The enqueue insert, prepared; a duplicate active job for the (post, persona) is no row, not an error.
struct EnqueueReplyJob: PostgresPreparedStatement {
    static let sql = """
        INSERT INTO jobs(job_type, post_id, persona_id, payload, status, attempts, available_at, created_at, updated_at)
        VALUES (\(JobKind.generateReply.sql), $1, $2, $3, 'PENDING', 0, $4, $4, $4)
        ON CONFLICT (post_id, persona_id) WHERE job_type = \(JobKind.generateReply.sql) AND status IN ('PENDING', 'PROCESSING') DO NOTHING
        RETURNING id
        """
    typealias Row = Int64
    let postID: UUID
    let personaID: UUID
    let payload: JSONB
    let now: Timestamp

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(postID)
        bindings.append(personaID)
        bindings.append(payload)
        bindings.append(now)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Int64 { try row.decode(Int64.self) }
}
