import Domain
import Foundation
import PostgresNIO
import Storage

/// Reply generation: enqueueing jobs and writing worker replies.
extension PostgresStore {
    /// Enqueues one `generate_reply` job per persona in one transaction (generate-replies), skipping personas that
    /// cannot take one (`enqueueReplyJobs`), and records `battle_created` when any was enqueued. On the connection's
    /// event loop (`write(onConnectionLoop:)`): it holds the personas' rows from its first statement to its commit.
    public func enqueueReplies(
        postID: String, personaIDs: [String], userID: String, payloadExtra: [String: String], maxAttempts: Int, now: Timestamp
    ) async throws -> EnqueueResult {
        guard let post = StoreID.parse(postID), let user = StoreID.parse(userID) else {
            return EnqueueResult(enqueued: 0, skipped: personaIDs.count)
        }
        return try await write(onConnectionLoop: true) { db in
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
    /// queued. So the personas' rows are locked first (`FOR NO KEY UPDATE` leaves the foreign-key checks of other
    /// writes alone), and each persona's counts are read by a later statement, whose snapshot sees what the previous
    /// holder committed. The pair's retry-waiting FAILED jobs are locked too before the insert: a claim moving one of
    /// them to PROCESSING holds the same lock (`ClaimJobs`), so the claim and the insert never both put the pair into
    /// the unique index.
    ///
    /// Two ways to the locks:
    /// - When no other transaction holds any of the personas' rows (the usual case), the first statement takes them all
    ///   at once without waiting (`SKIP LOCKED`, in a savepoint), and the counts are read once, under the locks.
    /// - When one is held, the savepoint is rolled back (which lets go of the locks just taken) and the enqueue goes the
    ///   careful way: one statement reads the facts from what is committed, a persona that cannot take a job there is
    ///   skipped without locking its row, and the rest are locked in id order (so two enqueues never wait for each other
    ///   in a cycle) and counted again. A skip decided on a committed state is the answer an enqueue run alone at that
    ///   moment would give (a reply stays, a job that was active was, a quota that was full was). Why: a burst of
    ///   enqueues for one persona (a double-clicked button, a retrying client) otherwise takes turns on the persona's
    ///   row, each holding a pooled connection while it waits; this way only the enqueues that started before the
    ///   first one committed take a turn, the rest answer at once.
    ///
    /// The queued count reads every active job of each persona up to its quota left, unless the persona's reply
    /// reservation shows room (`ReplyCandidates`); the first way reads it once instead of twice. Every step covers all
    /// the personas at once (`= ANY(ids)`), so an enqueue is a handful of statements however many personas it names: a
    /// battle of 50 personas was 152, which made enqueueing most of a reply job's round trips.
    static func enqueueReplyJobs(
        _ db: Connection, postID: UUID, personaIDs: [String], userID: UUID, payloadExtra: [String: String], maxAttempts: Int,
        now: Timestamp
    ) async throws -> EnqueueResult {
        // Each persona once, in the order asked: a repeated id is a skip, as the second of two enqueues would be.
        var seen = Set<UUID>()
        let wanted = personaIDs.compactMap(StoreID.parse).filter { seen.insert($0).inserted }
        guard !wanted.isEmpty else { return EnqueueResult(enqueued: 0, skipped: personaIDs.count) }
        let locked: [UUID]
        if let free = try await lockFreePersonas(db, wanted, userID: userID) {
            locked = free
        } else {
            let committed = try await db.prepared(
                ReplyCandidates(postID: postID, personaIDs: wanted, userID: userID, now: now, maxAttempts: maxAttempts))
            let canTakeNow = Set(committed.filter(\.canTake).map(\.personaID))
            let open = wanted.filter(canTakeNow.contains)
            guard !open.isEmpty else { return EnqueueResult(enqueued: 0, skipped: personaIDs.count) }
            let owned = Set(
                try await db.column(
                    "SELECT id FROM personas WHERE id = ANY(\(open)) AND user_id = \(userID) ORDER BY id FOR NO KEY UPDATE", as: UUID.self))
            locked = open.filter(owned.contains)
        }
        guard !locked.isEmpty else { return EnqueueResult(enqueued: 0, skipped: personaIDs.count) }
        try await db.execute(
            """
            SELECT id FROM jobs WHERE post_id = \(postID) AND persona_id = ANY(\(locked))
              AND job_type = \(unescaped: JobKind.generateReply.sql) AND status = 'FAILED' ORDER BY id FOR UPDATE
            """)
        let candidates = try await db.prepared(
            ReplyCandidates(postID: postID, personaIDs: locked, userID: userID, now: now, maxAttempts: maxAttempts))
        let canTake = Dictionary(candidates.filter(\.canTake).map { ($0.personaID, $0) }, uniquingKeysWith: { first, _ in first })
        let takers = locked.compactMap { canTake[$0] }
        guard !takers.isEmpty else { return EnqueueResult(enqueued: 0, skipped: personaIDs.count) }
        let payloads = takers.map { taker in
            var payload = payloadExtra
            payload["post_id"] = postID.lower
            payload["persona_id"] = taker.personaID.lower
            return StoredJSON.object(payload)
        }
        let enqueued = try await db.prepared(
            EnqueueReplyJobs(
                postID: postID, personaIDs: takers.map(\.personaID), payloads: payloads, reservations: takers.map(\.reservationAfterTaking),
                maxAttempts: maxAttempts, now: now)
        ).count
        return EnqueueResult(enqueued: enqueued, skipped: personaIDs.count - enqueued)
    }

    /// Locks the rows of those of `personas` that are `userID`'s if no other transaction holds any of them, without
    /// waiting, and returns them in the order given; nil, with no lock kept, when one is held. The savepoint is what
    /// lets go of the locks already taken: keeping them while waiting for the held one could close a cycle with an
    /// enqueue that holds it (locks taken out of id order).
    private static func lockFreePersonas(_ db: Connection, _ personas: [UUID], userID: UUID) async throws -> [UUID]? {
        try await db.execute("SAVEPOINT enqueue_locks")
        let rows = try await db.rows(
            """
            SELECT pe.id, l.id IS NOT NULL FROM personas pe
            LEFT JOIN LATERAL (SELECT x.id FROM personas x WHERE x.id = pe.id FOR NO KEY UPDATE SKIP LOCKED) l ON true
            WHERE pe.id = ANY(\(personas)) AND pe.user_id = \(userID)
            """)
        var free = Set<UUID>()
        for row in rows {
            let (id, taken) = try row.decode((UUID, Bool).self)
            guard taken else {
                try await db.execute("ROLLBACK TO SAVEPOINT enqueue_locks")
                return nil
            }
            free.insert(id)
        }
        return personas.filter(free.contains)
    }

    /// Loads the persona, post, thread and template of a reply job; nil means the persona is gone. Uses the context
    /// prefetched by the claim transaction when there is one (no extra read).
    public func replyJobContext(_ job: ClaimedJob, now: Timestamp) async throws -> ReplyJobContext? {
        switch job.prefetched {
        case .ready(let context)?: return context
        case .personaMissing?: return nil
        case nil:
            let context = try await read { db in try await Self.fetchReplyContexts(db, [job], now: now)[job.id] }
            if case .ready(let ready)? = context { return ready }
            return nil
        }
    }

    /// Writes the reply, quota use and activity events and marks the job DONE, atomically, in the group-committed
    /// transaction of the worker loops finishing at the same time (`finishTogether`). With `claimNext`, the next job
    /// is claimed in the same transaction; a reply past its quota claims none.
    public func completeReplyJob(
        _ job: ClaimedJob, content: String, post: Post, quota: Int, now: Timestamp, claimNext policy: QueuePolicy?
    ) async throws -> (ReplyWrite, next: ClaimedJob?) {
        let finish = QueueFinish(
            job: job, write: .reply(content: content, post: post, quota: quota), now: now, claimNext: policy,
            reap: chainedClaimReaps(policy, now: now))
        do {
            let outcome = try await batchedFinish(finish)
            return (outcome.reply ?? .lostClaim, outcome.next)
        } catch is QuotaRollback {
            return (.quotaReached, nil)
        }
    }

    static func writeReply(
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
        let metadata = replyActivityMetadata(job, content: content, post: post)
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

/// The enqueue insert, prepared: one PENDING job per persona, in the order given (their ids follow it, and claims take
/// jobs of one moment in id order); a persona whose pair already has an active job gets no row, not an error. Each
/// persona that got its job gets today's reply reservation (`ReplyCandidate.reservationAfterTaking`, under `$6` the
/// maximum of attempts): the enqueue holds the persona's row, and only enqueues write the reservation (a requeue of a
/// failed job deletes it under the same lock), so setting it is never a lost update.
struct EnqueueReplyJobs: PostgresPreparedStatement {
    static let name = String(reflecting: Self.self)
    static let sql = """
        WITH inserted AS (
          INSERT INTO jobs(job_type, post_id, persona_id, payload, status, attempts, available_at, created_at, updated_at)
          SELECT \(JobKind.generateReply.sql), $1, i.persona_id, i.payload::jsonb, 'PENDING'::job_status_enum, 0, $4, $4, $4
          FROM unnest($2::uuid[], $3::text[]) WITH ORDINALITY AS i(persona_id, payload, ord) ORDER BY i.ord
          ON CONFLICT (post_id, persona_id) WHERE job_type = \(JobKind.generateReply.sql) AND status IN ('PENDING', 'PROCESSING') DO NOTHING
          RETURNING id, persona_id
        ),
        reserved AS (
          INSERT INTO reply_reservations(persona_id, day, max_attempts, reserved)
          SELECT r.persona_id, $5, $6, r.reserved FROM unnest($2::uuid[], $7::int8[]) AS r(persona_id, reserved)
          WHERE r.persona_id IN (SELECT persona_id FROM inserted)
          ON CONFLICT (persona_id) DO UPDATE
            SET day = excluded.day, max_attempts = excluded.max_attempts, reserved = excluded.reserved
        )
        SELECT id FROM inserted
        """
    typealias Row = Int64
    let postID: UUID
    let personaIDs: [UUID]
    let payloads: [String]
    let reservations: [Int]
    let maxAttempts: Int
    let now: Timestamp

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(postID)
        bindings.append(personaIDs)
        bindings.append(payloads)
        bindings.append(now)
        bindings.append(SQLDate(DailyQuota.dayKey(now)))
        bindings.append(maxAttempts)
        bindings.append(reservations.map(Int64.init))
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Int64 { try row.decode(Int64.self) }
}
