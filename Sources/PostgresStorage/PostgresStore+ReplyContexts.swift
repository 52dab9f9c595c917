import Domain
import Foundation
import PostgresNIO
import Storage

/// Reply jobs' contexts (persona, post, thread, template), read for a whole claim at once.
///
/// Why set-based: a claim of n jobs read each job's context with its own three or four statements, and on PostgreSQL
/// every statement is a round trip (two thread hand-offs and a wait for the server), which made the context most of
/// a reply job's cost. Here the claim's n jobs cost three statements whatever n is (four when a job names a template):
/// the personas with today's quota use, the posts, and the posts' threads, each keyed by `= ANY(ids)`.
extension PostgresStore {
    /// The context of each of `jobs` by job id: `.ready`, or `.personaMissing` when its persona is gone (or its ids are
    /// not ids). A missing post is a context whose `post` is nil, as `ReplyJobHandler` expects.
    static func fetchReplyContexts(_ db: Connection, _ jobs: [ClaimedJob], now: Timestamp) async throws -> [Int64: PrefetchedContext] {
        guard !jobs.isEmpty else { return [:] }
        let personaIDs = Array(Set(jobs.compactMap { StoreID.parse($0.personaID) }))
        let postIDs = Array(Set(jobs.compactMap { StoreID.parse($0.postID) }))
        let personas = try await replyPersonas(db, personaIDs, now: now)
        let posts = try await postsByID(db, postIDs)
        let threads = try await threads(db, postIDs)
        let templates = try await templatesByID(db, Array(Set(jobs.compactMap { $0.templateID.flatMap(StoreID.parse) })))
        var out: [Int64: PrefetchedContext] = [:]
        for job in jobs {
            guard let personaID = StoreID.parse(job.personaID), let postID = StoreID.parse(job.postID),
                let persona = personas[personaID]
            else {
                out[job.id] = .personaMissing
                continue
            }
            let thread = threads[postID] ?? []
            out[job.id] = .ready(
                ReplyJobContext(
                    persona: persona.persona, dailyReplyQuota: persona.quota, repliesToday: persona.used, post: posts[postID],
                    alreadyReplied: thread.contains { $0.personaID == personaID }, thread: thread.map(\.text),
                    template: job.templateID.flatMap(StoreID.parse).flatMap { templates[$0] }))
        }
        return out
    }

    /// Gives the jobs whose context was read without their template (`ClaimJobsWithContext`) the template they name,
    /// in one statement for all of them; none when no job names one.
    static func attachTemplates(_ db: Connection, _ jobs: inout [ClaimedJob]) async throws {
        let wanted = jobs.indices.filter { index in
            guard case .ready(let context)? = jobs[index].prefetched else { return false }
            return context.template == nil && jobs[index].templateID.flatMap(StoreID.parse) != nil
        }
        guard !wanted.isEmpty else { return }
        let templates = try await templatesByID(db, Array(Set(wanted.compactMap { jobs[$0].templateID.flatMap(StoreID.parse) })))
        for index in wanted {
            guard case .ready(var context)? = jobs[index].prefetched, let id = jobs[index].templateID.flatMap(StoreID.parse) else { continue }
            context.template = templates[id]
            jobs[index].prefetched = .ready(context)
        }
    }

    /// A persona as a reply job sees it: what the LLM is told, its daily reply quota and today's use of it.
    private struct ReplyPersona {
        let persona: LLMPersona
        let quota: Int
        let used: Int
    }

    private static func replyPersonas(_ db: Connection, _ ids: [UUID], now: Timestamp) async throws -> [UUID: ReplyPersona] {
        guard !ids.isEmpty else { return [:] }
        var out: [UUID: ReplyPersona] = [:]
        let rows = try await db.rows(
            """
            SELECT pe.id, pe.name, pe.bio, pe.tone, pe.daily_reply_quota,
              COALESCE((SELECT used FROM quota_counters WHERE persona_id = pe.id AND quota_type = 'reply'
                          AND day = \(SQLDate(DailyQuota.dayKey(now)))), 0)
            FROM personas pe WHERE pe.id = ANY(\(ids))
            """)
        for row in rows {
            let (id, name, bio, tone, quota, used) = try row.decode((UUID, String, String, String, Int, Int).self)
            out[id] = ReplyPersona(persona: LLMPersona(id: id.lower, name: name, bio: bio, tone: tone), quota: quota, used: used)
        }
        return out
    }

    private static func postsByID(_ db: Connection, _ ids: [UUID]) async throws -> [UUID: Post] {
        guard !ids.isEmpty else { return [:] }
        var out: [UUID: Post] = [:]
        for row in try await db.rows(
            "SELECT \(unescaped: postColumns) FROM posts p LEFT JOIN personas pe ON pe.id = p.persona_id WHERE p.id = ANY(\(ids))")
        {
            let post = try post(from: row)
            if let id = StoreID.parse(post.id) { out[id] = post }
        }
        return out
    }

    /// A reply of a thread, with its persona (nil for a person's reply) for the already-replied check.
    private struct ThreadReply {
        let text: LLMText
        let personaID: UUID?
    }

    /// Each post's replies, oldest first (`created_at`, then id), as one post's thread is read everywhere.
    private static func threads(_ db: Connection, _ postIDs: [UUID]) async throws -> [UUID: [ThreadReply]] {
        guard !postIDs.isEmpty else { return [:] }
        var out: [UUID: [ThreadReply]] = [:]
        let rows = try await db.rows(
            """
            SELECT post_id, id::text, content, persona_id FROM replies WHERE post_id = ANY(\(postIDs))
            ORDER BY post_id, created_at ASC, id ASC
            """)
        for row in rows {
            let (post, id, content, persona) = try row.decode((UUID, String, String, UUID?).self)
            out[post, default: []].append(ThreadReply(text: LLMText(id: id, content: content), personaID: persona))
        }
        return out
    }

    private static func templatesByID(_ db: Connection, _ ids: [UUID]) async throws -> [UUID: LLMTemplate] {
        guard !ids.isEmpty else { return [:] }
        var out: [UUID: LLMTemplate] = [:]
        for row in try await db.rows("SELECT id, name, prompt_rules, word_limit FROM templates WHERE id = ANY(\(ids))") {
            let (id, name, rules, words) = try row.decode((UUID, String, String, Int).self)
            out[id] = LLMTemplate(name: name, promptRules: rules, wordLimit: words)
        }
        return out
    }
}
