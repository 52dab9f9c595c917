import Domain
import LLM
import Storage
import Worker

/// Drafts, approval, previews, reply enqueueing and thread views.
struct PostService: Sendable {
    let store: any PostStore & PersonaStore
    let llm: any LLMClient
    let clock: any AppClock
    let config: AppConfig
    let signal: any WakeUpNotifier
    let summaries: ThreadSummaryCache

    /// Every room, by name.
    func rooms() async throws -> [Room] {
        do { return try await store.rooms() } catch { throw error.asInternal("could not list rooms") }
    }

    /// How many of the post's replies the worker still owes (the thread page waits for them).
    func pendingReplies(postID: String) async throws -> Int {
        do { return try await store.pendingReplyJobs(postID: postID, maxAttempts: config.jobMaxAttempts) } catch {
            throw error.asInternal("could not load pending replies")
        }
    }

    func roomPosts(roomID: String, userID: String) async throws -> [Post] {
        do { return try await store.posts(inRoom: roomID, visibleTo: userID) } catch { throw error.asInternal("could not list posts") }
    }

    /// Loads the caller's persona (404 otherwise) with the route's 500 message.
    func ownedPersona(_ id: String, userID: String, failure: String = "could not load persona") async throws -> Persona {
        let persona: Persona?
        do { persona = try await store.persona(id: id, ownedBy: userID) } catch { throw error.asInternal(failure) }
        guard let persona else { throw DomainError.notFound("persona not found") }
        return persona
    }

    func room(_ id: String) async throws -> Room {
        let room: Room?
        do { room = try await store.room(id: id) } catch { throw error.asInternal("could not load room") }
        guard let room else { throw DomainError.notFound("room not found") }
        return room
    }

    func createDraft(roomID: String, personaID: String, userID: String) async throws -> Post {
        let persona = try await ownedPersona(personaID, userID: userID)
        let room = try await room(roomID)
        try await requireQuota(persona.id, DailyQuota(.draft, limit: persona.fields.dailyDraftQuota), failure: "could not check quota")
        let text: String
        do {
            text = try await llm.generatePostDraft(
                persona: LLMPersona(persona),
                room: LLMRoom(
                    id: room.id, name: room.name,
                    description: room.description, variant: 1))
        } catch { throw DomainError.upstream("llm draft failed: \(error)") }
        let content = try Safety.check(text, maxLength: config.draftMaxLen)
        do { return try await store.createDraft(roomID: room.id, persona: persona, content: content, now: clock.now()) } catch {
            throw error.asInternal("could not create draft")
        }
    }

    func preview(personaID: String, roomID: String, userID: String) async throws -> (drafts: [String], used: Int) {
        let persona = try await ownedPersona(personaID, userID: userID)
        let room = try await room(roomID)
        let quota = DailyQuota(.preview, limit: config.defaultPreviewQuota)
        try await requireQuota(persona.id, quota, failure: "could not check preview quota")
        var drafts: [String] = []
        for variant in 1...2 {
            let text: String
            do {
                text = try await llm.generatePostDraft(
                    persona: LLMPersona(persona),
                    room: LLMRoom(
                        id: room.id, name: room.name,
                        description: room.description, variant: variant))
            } catch { throw DomainError.upstream("llm preview failed: \(error)") }
            drafts.append(try Safety.check(text, maxLength: config.draftMaxLen))
        }
        let used: Int
        do { used = try await store.recordPreview(personaID: persona.id, roomID: room.id, userID: userID, quota: quota, now: clock.now()) } catch {
            throw error.asInternal("could not record preview quota")
        }
        return (drafts, used)
    }

    func approve(postID: String, userID: String, body: () async throws -> ApproveRequest) async throws -> Post {
        let found: Post?
        do { found = try await store.post(id: postID) } catch { throw error.asInternal("could not load post") }
        guard let post = found else { throw DomainError.notFound("post not found") }
        guard post.userID == userID else { throw DomainError.forbidden("not allowed") }
        guard post.status == .draft else { throw DomainError.conflict("only drafts can be approved") }
        let request = try await body()
        let content = request.content.trimmingWhitespace().isEmpty ? post.content : request.content
        // The safety check runs on the trimmed text, and the trimmed text is what is stored.
        let checked = try Safety.check(content, maxLength: config.draftMaxLen)
        let approved: Post?
        do { approved = try await store.approveDraft(postID: post.id, content: checked, approverID: userID, now: clock.now()) } catch {
            throw error.asInternal("could not approve post")
        }
        guard let approved else { throw DomainError.conflict("only drafts can be approved") }
        return approved
    }

    func generateReplies(
        postID: String, userID: String, requestID: String, body: () async throws -> GenerateRepliesRequest
    ) async throws -> EnqueueResult {
        let found: Post?
        do { found = try await store.post(id: postID) } catch { throw error.asInternal("could not load post") }
        guard let post = found else { throw DomainError.notFound("post not found") }
        guard post.status == .published else { throw DomainError.conflict("replies can be generated only for published posts") }
        let request = try await body()
        var ids: [String] = []
        for raw in request.personaIDs {
            let id = raw.trimmingWhitespace()
            if !id.isEmpty && !ids.contains(id) { ids.append(id) }
        }
        if !request.personaIDs.isEmpty && ids.isEmpty { throw DomainError.invalid("persona_ids cannot be empty") }
        let personas: [String]
        do { personas = try await store.resolvePersonas(userID: userID, ids: ids) } catch let error as DomainError { throw error } catch {
            throw DomainError.invalid("could not validate persona")
        }
        if personas.isEmpty { throw DomainError.invalid("no personas available") }
        var extra: [String: String] = [:]
        if !requestID.isEmpty { extra["trace_id"] = requestID }
        let result: EnqueueResult
        do {
            result = try await store.enqueueReplies(
                postID: post.id, personaIDs: personas, userID: userID, payloadExtra: extra,
                maxAttempts: config.jobMaxAttempts, now: clock.now())
        } catch { throw error.asInternal("could not enqueue replies") }
        if result.enqueued > 0 { signal.jobsEnqueued(result.enqueued) }
        return result
    }

    func thread(postID: String, userID: String) async throws -> (post: Post, replies: [Reply], summary: String) {
        let loaded: PostThread?
        do { loaded = try await store.thread(postID: postID) } catch { throw error.asInternal("could not load replies") }
        guard let post = loaded?.post, let replies = loaded?.replies else { throw DomainError.notFound("post not found") }
        guard post.status == .published || post.userID == userID else { throw DomainError.forbidden("not allowed") }
        let summary = await summaries.summary(post: post, replies: replies)
        return (post, replies, summary)
    }

    /// The thread from the store alone, without its summary (which may call the LLM), and a version that
    /// changes when what a stream shows changes (a reply written or edited, the post edited or published): an
    /// event stream sends the replies at once and the summary when it is ready. Same access rule as `thread`.
    func threadSnapshot(postID: String, userID: String) async throws -> (post: Post, replies: [Reply], version: String) {
        let loaded: PostThread?
        do { loaded = try await store.thread(postID: postID) } catch { throw error.asInternal("could not load replies") }
        guard let post = loaded?.post, let replies = loaded?.replies else { throw DomainError.notFound("post not found") }
        guard post.status == .published || post.userID == userID else { throw DomainError.forbidden("not allowed") }
        let latest = replies.map(\.updatedAt).max() ?? Timestamp(microseconds: 0)
        return (post, replies, "\(post.updatedAt.storageString)|\(post.status.rawValue)|\(replies.count)|\(latest.storageString)")
    }

    /// The thread's summary (cached per thread state), as `thread` gives it.
    func summary(post: Post, replies: [Reply]) async -> String {
        await summaries.summary(post: post, replies: replies)
    }

    private func requireQuota(_ personaID: String, _ quota: DailyQuota, failure: String) async throws {
        let used: Int
        do { used = try await store.quotaUsage(personaID: personaID, kind: quota.kind, now: clock.now()) } catch {
            throw error.asInternal(failure)
        }
        try quota.require(used: used)
    }
}
