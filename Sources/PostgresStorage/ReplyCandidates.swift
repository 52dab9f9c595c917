import Domain
import Foundation
import PostgresNIO
import Storage

/// What decides whether a persona can take a reply job for a post: its daily reply quota and use, its queued jobs,
/// whether it already replied and whether the pair has an active job.
struct ReplyCandidate: Sendable {
    let personaID: UUID
    let limit: Int
    let used: Int
    let queued: Int
    let replied: Bool
    let hasActive: Bool

    var canTake: Bool { DailyQuota(.reply, limit: limit).allows(used: used, pending: queued) && !replied && !hasActive }

    /// The persona's reply reservation once it has taken a job: the replies written and the queued jobs (exact or
    /// bounded, as `queued` was read), and the new job.
    var reservationAfterTaking: Int { used + queued + 1 }
}

/// The `ReplyCandidate` of each of the named personas that is the user's, in one statement (as of its snapshot):
/// `$1` the post, `$2` the personas, `$3` the user, `$4` today, `$5` the maximum number of attempts. Prepared: an
/// enqueue runs it twice, and planning it anew each time cost a third of running it.
///
/// The queued count comes from the persona's reply reservation when it has a usable one (`reply_reservations`: today's,
/// under the same maximum of attempts, at least the replies written and under the quota): `reserved` bounds the
/// replies written today plus the active jobs, so `reserved - used` bounds the queued jobs, and under the quota it
/// proves there is room without reading any job. Why: the count read every queued job of each persona named, about a
/// tenth of the database's work per reply job in the queue benchmark (50 personas with dozens of queued jobs each).
/// Otherwise the jobs are counted, only up to the quota left (`LIMIT`): past that the answer is "full" whatever the
/// exact number, and a persona with hundreds of queued jobs cost a scan of all of them. Either way `used + queued` is
/// what the enqueue sets the reservation to, plus the job it inserts (`EnqueueReplyJobs`).
struct ReplyCandidates: PostgresPreparedStatement {
    static let name = String(reflecting: Self.self)
    private static let active = PostgresStore.activeJob(argument: "$5")
    static let sql = """
        SELECT pe.id, pe.daily_reply_quota, u.used,
          CASE WHEN r.reserved >= u.used AND r.reserved < pe.daily_reply_quota THEN r.reserved - u.used
          ELSE (SELECT COUNT(*) FROM (SELECT 1 FROM jobs WHERE persona_id = pe.id AND job_type = \(JobKind.generateReply.sql)
             AND \(active) LIMIT GREATEST(pe.daily_reply_quota - u.used, 0)) q) END,
          EXISTS(SELECT 1 FROM replies WHERE post_id = $1 AND persona_id = pe.id),
          EXISTS(SELECT 1 FROM jobs WHERE post_id = $1 AND persona_id = pe.id AND job_type = \(JobKind.generateReply.sql)
                 AND \(active))
        FROM personas pe
        CROSS JOIN LATERAL (
          SELECT COALESCE((SELECT used FROM quota_counters WHERE persona_id = pe.id AND quota_type = 'reply' AND day = $4), 0) AS used
        ) u
        LEFT JOIN reply_reservations r ON r.persona_id = pe.id AND r.day = $4 AND r.max_attempts = $5
        WHERE pe.id = ANY($2) AND pe.user_id = $3
        """

    typealias Row = ReplyCandidate
    let postID: UUID
    let personaIDs: [UUID]
    let userID: UUID
    let now: Timestamp
    let maxAttempts: Int

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(postID)
        bindings.append(personaIDs)
        bindings.append(userID)
        bindings.append(SQLDate(DailyQuota.dayKey(now)))
        bindings.append(maxAttempts)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> ReplyCandidate {
        let (id, limit, used, queued, replied, hasActive) = try row.decode((UUID, Int, Int, Int, Bool, Bool).self)
        return ReplyCandidate(personaID: id, limit: limit, used: used, queued: queued, replied: replied, hasActive: hasActive)
    }
}
