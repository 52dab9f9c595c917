import Domain

/// Rooms, posts, drafts, threads and the reply jobs a post's owner asks for.
public protocol PostStore: Sendable {
    /// Every room, by name.
    func rooms() async throws -> [Room]
    /// A room by id.
    func room(id: String) async throws -> Room?
    /// Up to 100 posts of a room the viewer may see (published, or their own drafts), newest first.
    func posts(inRoom roomID: String, visibleTo userID: String) async throws -> [Post]
    /// One post with its persona's name.
    func post(id: String) async throws -> Post?
    /// A post and its replies, oldest first.
    func thread(postID: String) async throws -> PostThread?
    /// Consumes one unit of the persona's draft quota and inserts the draft, atomically; throws
    /// `DomainError.quotaReached(.draft)` when the quota is used up.
    func createDraft(roomID: String, persona: Persona, content: String, now: Timestamp) async throws -> Post
    /// Publishes a draft with its activity events and the approver's `post_approved` event in one transaction;
    /// nil if it is no longer a draft.
    func approveDraft(postID: String, content: String, approverID: String, now: Timestamp) async throws -> Post?
    /// Consumes one unit of the persona's preview quota and records `preview_generated`, atomically; returns the
    /// usage after it, or throws `DomainError.quotaReached(.preview)`.
    func recordPreview(personaID: String, roomID: String, userID: String, quota: DailyQuota, now: Timestamp) async throws -> Int
    /// Enqueues one `generate_reply` job per persona in one transaction, skipping personas that are not the
    /// caller's, are at their daily reply quota counting the jobs they already have queued, already replied, or
    /// have an active job for the post; records `battle_created` when any was enqueued.
    func enqueueReplies(
        postID: String, personaIDs: [String], userID: String, payloadExtra: [String: String], maxAttempts: Int,
        now: Timestamp
    ) async throws -> EnqueueResult
    /// How many reply jobs for `postID` are still active: the replies a thread page is waiting for.
    func pendingReplyJobs(postID: String, maxAttempts: Int) async throws -> Int
}
