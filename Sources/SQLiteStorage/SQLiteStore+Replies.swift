import Domain
import GRDB
import Storage

/// Reply generation: enqueueing jobs and writing worker replies.
extension SQLiteStore {
    /// The caller's personas by id (in the given order), or the first three by age when `ids` is empty.
    public func resolvePersonas(userID: String, ids: [String]) async throws -> [String] {
        try await read { db in
            if ids.isEmpty {
                return try String.fetchAll(
                    db.cachedStatement(sql: "SELECT id FROM personas WHERE user_id = ? ORDER BY created_at ASC, id ASC LIMIT 3"),
                    arguments: [userID])
            }
            for id in ids {
                guard
                    try Bool.fetchOne(
                        db.cachedStatement(sql: "SELECT EXISTS(SELECT 1 FROM personas WHERE id = ? AND user_id = ?)"),
                        arguments: [id.lowercased(), userID]) == true
                else {
                    throw DomainError.unknownPersona(id)
                }
            }
            return ids.map { $0.lowercased() }
        }
    }

    /// Enqueues one `generate_reply` job per persona in one transaction (generate-replies), skipping personas
    /// that cannot take one (`enqueueReplyJobs`), and records `battle_created` when any was enqueued.
    public func enqueueReplies(
        postID: String, personaIDs: [String], userID: String, payloadExtra: [String: String],
        maxAttempts: Int, now: Timestamp
    ) async throws -> EnqueueResult {
        try await write { db in
            let result = try Self.enqueueReplyJobs(
                db, postID: postID, personaIDs: personaIDs, userID: userID,
                payloadExtra: payloadExtra, maxAttempts: maxAttempts, now: now)
            if result.enqueued > 0 {
                try Self.insertEvent(
                    db, userID: userID, name: "battle_created",
                    metadataJSON: #"{"enqueued_count":\#(result.enqueued),"post_id":"\#(postID)"}"#, now: now)
            }
            return result
        }
    }

    /// A persona's active reply jobs (they count against its quota); uses `idx_jobs_persona_status`.
    static let queuedForPersonaSQL = """
        SELECT COUNT(*) FROM jobs WHERE persona_id = ? AND job_type = \(JobKind.generateReply.sql) AND \(ActiveJob.condition)
        """

    /// What the enqueue checks for one persona, in one statement (each statement costs the writer a bind, a step and a
    /// reset): its reply quota (no row when it is not the caller's), today's usage (`usageSQL`), its queued jobs
    /// (`queuedForPersonaSQL`), whether it already replied to the post, and whether it has an active job for the post
    /// (`activeJobSQL`).
    static let enqueueChecksSQL = """
        SELECT daily_reply_quota, COALESCE((\(usageSQL)), 0), (\(queuedForPersonaSQL)),
          EXISTS(SELECT 1 FROM replies WHERE post_id = ? AND persona_id = ?), (\(activeJobSQL))
        FROM personas WHERE id = ? AND user_id = ?
        """

    /// Inserts one `generate_reply` job per persona inside the caller's transaction. A persona is skipped when
    /// it is not the caller's, is at its daily reply quota counting the jobs it already has queued, already
    /// replied, or has an active job for the post; `uq_jobs_active_generate_reply` turns a concurrent duplicate
    /// into a skip. Used by generate-replies and battle creation alike.
    static func enqueueReplyJobs(
        _ db: Database, postID: String, personaIDs: [String], userID: String,
        payloadExtra: [String: String], maxAttempts: Int, now: Timestamp
    ) throws -> EnqueueResult {
        var result = EnqueueResult()
        let ts = now.storageString
        for personaID in personaIDs {
            guard
                let row = try Row.fetchOne(
                    db.cachedStatement(sql: Self.enqueueChecksSQL),
                    arguments: [
                        personaID, QuotaKind.reply.rawValue, DailyQuota.dayKey(now), personaID, maxAttempts, postID, personaID,
                        postID, personaID, maxAttempts, personaID, userID,
                    ])
            else {
                result.skipped += 1
                continue
            }
            let (limit, used, queued, replied, active): (Int, Int, Int, Bool, Bool) = (row[0], row[1], row[2], row[3], row[4])
            if !DailyQuota(.reply, limit: limit).allows(used: used, pending: queued) || replied || active {
                result.skipped += 1
                continue
            }
            var payload = payloadExtra
            payload["post_id"] = postID
            payload["persona_id"] = personaID
            try db.cachedStatement(
                sql: """
                    INSERT INTO jobs(job_type, post_id, persona_id, payload, status, attempts, available_at, created_at, updated_at)
                    VALUES (\(JobKind.generateReply.sql), ?, ?, ?, 'PENDING', 0, ?, ?, ?)
                    ON CONFLICT (post_id, persona_id) WHERE job_type = \(JobKind.generateReply.sql) AND status IN ('PENDING','PROCESSING') DO NOTHING
                    """
            ).execute(arguments: [postID, personaID, StoredJSON.object(payload), ts, ts, ts])
            if db.changesCount > 0 { result.enqueued += 1 } else { result.skipped += 1 }
        }
        return result
    }

    /// Loads the persona, post, thread and template of a reply job; nil means the persona is gone.
    /// Uses the context prefetched by the claim transaction when there is one (no extra read).
    public func replyJobContext(_ job: ClaimedJob, now: Timestamp) async throws -> ReplyJobContext? {
        switch job.prefetched {
        case .ready(let context)?: return context
        case .personaMissing?: return nil
        case nil: return try await read { db in try Self.fetchReplyContext(db, job, now: now, threads: nil) }
        }
    }

    /// A reply job's persona, its reply usage today (`usageSQL`), whether it already replied to the post, and
    /// the post's reply count (`ReplyThreadCache`), in one statement: every statement on the claim path costs the writer a
    /// bind, a step and a reset.
    static let replyContextSQL = """
        SELECT pe.id, pe.name, pe.bio, pe.tone, pe.daily_reply_quota, COALESCE((\(usageSQL)), 0),
          EXISTS(SELECT 1 FROM replies WHERE post_id = ? AND persona_id = pe.id),
          (SELECT COUNT(*) FROM replies WHERE post_id = ?)
        FROM personas pe WHERE pe.id = ?
        """

    /// The context of a reply job; the thread through `threads` inside a batched write (nil: read in full).
    static func fetchReplyContext(_ db: Database, _ job: ClaimedJob, now: Timestamp, threads: ReplyThreadCache?) throws -> ReplyJobContext? {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: replyContextSQL),
                arguments: [job.personaID, QuotaKind.reply.rawValue, DailyQuota.dayKey(now), job.postID, job.postID, job.personaID])
        else { return nil }
        let persona = LLMPersona(id: row[0], name: row[1], bio: row[2], tone: row[3])
        let post = try Self.fetchPost(db, id: job.postID)
        let thread =
            try threads?.thread(db, postID: job.postID, count: row[7])
            ?? ReplyThreadCache.read(db, postID: job.postID).map { LLMText(id: $0.id, content: $0.content) }
        var template: LLMTemplate?
        if let templateID = job.templateID {
            template = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT name, prompt_rules, word_limit FROM templates WHERE id = ?"), arguments: [templateID]
            )
            .map { LLMTemplate(name: $0["name"], promptRules: $0["prompt_rules"], wordLimit: $0["word_limit"]) }
        }
        return ReplyJobContext(
            persona: persona, dailyReplyQuota: row[4], repliesToday: row[5], post: post, alreadyReplied: row[6], thread: thread,
            template: template)
    }

    /// Writes the reply, quota event and activity events and marks the job DONE, atomically, in the
    /// group-committed transaction of the worker loops finishing at the same time. With `claimNext`, the
    /// next job is claimed in the same savepoint (not after a rollback).
    public func completeReplyJob(
        _ job: ClaimedJob, content: String, post: Post, quota: Int, now: Timestamp,
        claimNext policy: QueuePolicy?
    ) async throws -> (ReplyWrite, next: ClaimedJob?) {
        let threads = self.threads
        do {
            return try await batchedWrite { db in
                let (result, reply) = try Self.writeReply(db, job, content: content, post: post, quota: quota, now: now)
                // Later statements of the transaction see this reply; the thread cache counts it from here on.
                if let reply { threads.wrote(postID: job.postID, reply) }
                do {
                    return (result, try policy.flatMap { try Self.claimNext(db, policy: $0, now: now, threads: threads) })
                } catch {
                    // The savepoint rolls back, the reply with it.
                    if let reply { threads.unwrote(postID: job.postID, id: reply.id) }
                    throw error
                }
            }
        } catch is QuotaRollback {
            return (.quotaReached, nil)
        }
    }

    /// The writes of a finished reply job; with `.written`, the reply as the thread orders it.
    private static func writeReply(
        _ db: Database, _ job: ClaimedJob, content: String, post: Post, quota: Int, now: Timestamp
    ) throws -> (ReplyWrite, ReplyThreadCache.Entry?) {
        // The fenced DONE first: if the claim was lost, nothing else is written.
        guard try Self.markDone(db, job, now: now) else { return (.lostClaim, nil) }
        let ts = now.storageString
        let replyID = Identifiers.newUUID()
        try db.cachedStatement(
            sql: """
                INSERT INTO replies(id, post_id, persona_id, user_id, authored_by, content, created_at, updated_at)
                VALUES (?, ?, ?, NULL, 'AI', ?, ?, ?)
                ON CONFLICT (post_id, persona_id) WHERE persona_id IS NOT NULL DO NOTHING
                """
        ).execute(arguments: [replyID, job.postID, job.personaID, content, ts, ts])
        guard db.changesCount > 0 else { return (.alreadyExisted, nil) }
        do {
            try Self.consumeQuota(db, personaID: job.personaID, quota: DailyQuota(.reply, limit: quota), now: now)
        } catch DomainError.quotaReached {
            throw QuotaRollback()
        }
        // Written per reply, so the compact writer rather than Foundation's encoder (same keys, sorted).
        let metadata = CompactJSON.encode(
            .object([
                ("post_id", .string(job.postID)), ("post_preview", .string(post.content.truncatedRunes(200))),
                ("reply_preview", .string(content.truncatedRunes(200))), ("room_id", .string(post.roomID)),
            ]))
        let activity = try db.cachedStatement(
            sql: """
                INSERT INTO persona_activity_events(persona_id, type, metadata, created_at) VALUES (?, ?, ?, ?)
                """)
        for type in ["reply_generated", "thread_participated"] {
            try activity.execute(arguments: [job.personaID, type, metadata, ts])
        }
        return (.written, ReplyThreadCache.Entry(createdAt: ts, id: replyID, content: content))
    }
}

/// Thrown inside the reply transaction to roll back the insert when the quota filled up.
struct QuotaRollback: Error {}
