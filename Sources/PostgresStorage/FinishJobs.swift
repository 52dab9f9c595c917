import Domain
import Foundation
import PostgresNIO
import Storage

/// Every DONE and reply of a group-committed batch in one statement: the input is one array per field (`unnest`), and
/// data-modifying CTEs do what `markDone` and `writeReply` do for one job, for all of them:
/// - `done`: the fenced DONE (status PROCESSING, this claim's stamp and attempt count), as `MarkJobDone`;
/// - `inserted`: a reply for each reply job whose DONE applied, skipped when its persona already replied to the post
///   (`alreadyExisted`: the job stays DONE with nothing else written);
/// - `quota_events` and the two activity rows per written reply, in the jobs' order.
/// The replies' quota use is added to `quota_counters` by the batch's last statement (`AddReplyQuotaUse`).
/// One row per input job, in input order: whether its DONE applied, and whether its reply was inserted.
struct FinishJobs: PostgresPreparedStatement {
    static let name = String(reflecting: Self.self)
    static let sql = """
        WITH input AS (
          SELECT * FROM unnest($1::int8[], $2::timestamptz[], $3::int8[], $4::timestamptz[], $5::bool[], $6::uuid[], $7::text[],
                               $8::text[])
            WITH ORDINALITY AS i(job_id, locked_at, attempts, now, is_reply, reply_id, content, metadata, ord)
        ),
        done AS (
          UPDATE jobs SET status = 'DONE', error = NULL, locked_at = NULL, updated_at = i.now
          FROM input i
          WHERE jobs.id = i.job_id AND jobs.status = 'PROCESSING' AND jobs.locked_at = i.locked_at AND jobs.attempts = i.attempts
          RETURNING jobs.id, jobs.post_id, jobs.persona_id
        ),
        inserted AS (
          INSERT INTO replies(id, post_id, persona_id, user_id, authored_by, content, created_at, updated_at)
          SELECT i.reply_id, d.post_id, d.persona_id, NULL, 'AI'::authored_by_enum, i.content, i.now, i.now
          FROM input i JOIN done d ON d.id = i.job_id WHERE i.is_reply ORDER BY i.ord
          ON CONFLICT (post_id, persona_id) WHERE persona_id IS NOT NULL DO NOTHING
          RETURNING id, persona_id
        ),
        quota_used AS (
          INSERT INTO quota_events(persona_id, quota_type, created_at)
          SELECT r.persona_id, 'reply', i.now FROM inserted r JOIN input i ON i.reply_id = r.id ORDER BY i.ord
        ),
        activity AS (
          INSERT INTO persona_activity_events(persona_id, type, metadata, created_at)
          SELECT r.persona_id, e.type, i.metadata::jsonb, i.now
          FROM inserted r JOIN input i ON i.reply_id = r.id
            CROSS JOIN (VALUES (1, 'reply_generated'), (2, 'thread_participated')) AS e(n, type)
          ORDER BY i.ord, e.n
        )
        SELECT d.id IS NOT NULL, r.id IS NOT NULL
        FROM input i LEFT JOIN done d ON d.id = i.job_id LEFT JOIN inserted r ON r.id = i.reply_id
        ORDER BY i.ord
        """

    struct Row: Sendable {
        let done: Bool
        let inserted: Bool
    }

    let jobIDs: [Int64]
    let lockedAt: [Timestamp]
    let attempts: [Int64]
    let now: [Timestamp]
    let isReply: [Bool]
    let replyIDs: [UUID]
    let contents: [String]
    let metadata: [String]

    /// The statement for `finishes` (DONEs and replies; a failure is not one of them). Throws `MalformedID` for a job
    /// whose claim stamp this engine did not write, which fences nothing (`finishAlone` then reports it lost).
    init(_ finishes: [QueueFinish]) throws {
        lockedAt = try finishes.map { finish in
            guard let stamp = PostgresStore.stamp(finish.job) else { throw MalformedID(text: finish.job.lockedAt) }
            return stamp
        }
        jobIDs = finishes.map(\.job.id)
        attempts = finishes.map { Int64($0.job.attempts) }
        now = finishes.map(\.now)
        replyIDs = finishes.map { _ in UUID() }
        let replies = finishes.map { finish -> (content: String, post: Post)? in
            guard case .reply(let content, let post, _) = finish.write else { return nil }
            return (content, post)
        }
        isReply = replies.map { $0 != nil }
        contents = replies.map { $0?.content ?? "" }
        metadata = zip(finishes, replies).map { finish, reply in
            reply.map { PostgresStore.replyActivityMetadata(finish.job, content: $0.content, post: $0.post) } ?? "{}"
        }
    }

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(jobIDs)
        bindings.append(lockedAt)
        bindings.append(attempts)
        bindings.append(now)
        bindings.append(isReply)
        bindings.append(replyIDs)
        bindings.append(contents)
        bindings.append(metadata)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        let (done, inserted) = try row.decode((Bool, Bool).self)
        return Row(done: done, inserted: inserted)
    }
}
