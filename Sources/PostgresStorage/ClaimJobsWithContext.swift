import Domain
import Foundation
import PostgresNIO
import Storage

/// The claim's second statement (`ClaimJobs`' move to PROCESSING) returning, beside each claimed job, what a reply job
/// needs: its persona with today's reply quota use, its post, and from one pass over the post's replies its thread (ids
/// and texts, oldest first) and whether the persona already replied. One round trip instead of the claim and three
/// context reads; a template a battle job names is read after it (`PostgresStore.attachTemplates`). The context is read
/// from the statement's snapshot, which is taken after the pick's locks, as the separate reads' were. Each post's thread
/// is gathered once (`threads`), however many of the batch's jobs are for it: a battle's jobs share one post and are
/// claimed together. Gathered post by post (`LATERAL`, the post's replies through `idx_replies_post_id_created_at`):
/// as a join of the claimed posts with `replies`, the planner read the whole of `replies` on every claim whenever its
/// statistics lagged the table (a young database, or a burst of replies since the last analyze): 3,235 rows for 35
/// wanted, a third of the claim's time, in the queue benchmark.
struct ClaimJobsWithContext: PostgresPreparedStatement {
    static let name = String(reflecting: Self.self)
    static let sql = """
        WITH claimed AS (
          \(ClaimJobs.sql)
        ),
        threads AS (
          SELECT cp.post_id, r.ids, r.texts, r.personas
          FROM (SELECT DISTINCT c.post_id::uuid AS post_id FROM claimed c) cp
          CROSS JOIN LATERAL (
            SELECT array_agg(r.id::text ORDER BY r.created_at ASC, r.id ASC) AS ids,
              array_agg(r.content ORDER BY r.created_at ASC, r.id ASC) AS texts,
              array_agg(r.persona_id) FILTER (WHERE r.persona_id IS NOT NULL) AS personas
            FROM replies r WHERE r.post_id = cp.post_id
          ) r
        )
        SELECT c.id, c.job_type, c.post_id::text, c.persona_id::text, c.payload::text, c.attempts, c.locked_at,
          pe.id IS NOT NULL, pe.name, pe.bio, pe.tone, pe.daily_reply_quota, COALESCE(qc.used, 0),
          p.id::text, p.room_id::text, p.persona_id::text, ppe.name, p.user_id::text, p.authored_by::text, p.status::text,
          p.content, p.created_at, p.updated_at,
          t.ids, t.texts, COALESCE(c.persona_id::uuid = ANY(t.personas), false)
        FROM claimed c
        LEFT JOIN threads t ON t.post_id = c.post_id::uuid
        LEFT JOIN personas pe ON pe.id = c.persona_id::uuid
        LEFT JOIN quota_counters qc ON qc.persona_id = pe.id AND qc.quota_type = 'reply' AND qc.day = $4
        LEFT JOIN posts p ON p.id = c.post_id::uuid
        LEFT JOIN personas ppe ON ppe.id = p.persona_id
        ORDER BY c.id
        """

    typealias Row = ClaimedJob
    let now: Timestamp
    let maxAttempts: Int
    let ids: [Int64]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(now)
        bindings.append(maxAttempts)
        bindings.append(ids)
        bindings.append(SQLDate(DailyQuota.dayKey(now)))
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> ClaimedJob {
        let cells = row.makeRandomAccess()
        var job = ClaimedJob(
            id: try cells[0].decode(Int64.self), type: try cells[1].decode(String.self), postID: try cells[2].decode(String.self),
            personaID: try cells[3].decode(String.self), payload: StoredDocument.canonical(try cells[4].decode(String.self)),
            attempts: try cells[5].decode(Int.self), lockedAt: String(try cells[6].decode(Timestamp.self).microseconds))
        guard job.kind == .generateReply else { return job }
        guard try cells[7].decode(Bool.self) else {
            job.prefetched = .personaMissing
            return job
        }
        let persona = LLMPersona(
            id: job.personaID, name: try cells[8].decode(String.self), bio: try cells[9].decode(String.self),
            tone: try cells[10].decode(String.self))
        // The thread in one pass over the post's replies; no reply is NULL arrays.
        let ids = try cells[23].decode([String]?.self) ?? []
        let texts = try cells[24].decode([String]?.self) ?? []
        job.prefetched = .ready(
            ReplyJobContext(
                persona: persona, dailyReplyQuota: try cells[11].decode(Int.self), repliesToday: try cells[12].decode(Int.self),
                post: try Self.post(cells), alreadyReplied: try cells[25].decode(Bool.self),
                thread: zip(ids, texts).map { LLMText(id: $0, content: $1) }, template: nil))
        return job
    }

    /// The post's columns (13–22, `postColumns`' order); nil when the post is gone.
    private static func post(_ cells: PostgresRandomAccessRow) throws -> Post? {
        guard let id = try cells[13].decode(String?.self) else { return nil }
        return Post(
            id: id, roomID: try cells[14].decode(String.self), personaID: try cells[15].decode(String?.self),
            personaName: try cells[16].decode(String?.self), userID: try cells[17].decode(String.self),
            authoredBy: AuthoredBy(rawValue: try cells[18].decode(String.self)) ?? .ai,
            status: PostStatus(rawValue: try cells[19].decode(String.self)) ?? .draft, content: try cells[20].decode(String.self),
            createdAt: try cells[21].decode(Timestamp.self), updatedAt: try cells[22].decode(Timestamp.self))
    }
}
