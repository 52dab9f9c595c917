import Domain
import LLM
import Storage

/// Executes `generate_reply` jobs: checks, an LLM call outside any transaction,
/// the safety check, then one short transaction that writes the reply and marks the job done.
public struct ReplyJobHandler: JobHandler {
    let queue: any JobQueue
    let llm: any LLMClient
    let clock: any AppClock
    let replyMaxLength: Int
    /// Called with the post id after a reply was written, so in-process caches of that post drop it.
    let replyWritten: @Sendable (String) -> Void

    public init(
        queue: any JobQueue, llm: any LLMClient, clock: any AppClock, replyMaxLength: Int,
        replyWritten: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.queue = queue
        self.llm = llm
        self.clock = clock
        self.replyMaxLength = replyMaxLength
        self.replyWritten = replyWritten
    }

    public func run(_ job: ClaimedJob, claimNext: QueuePolicy?) async -> (outcome: JobOutcome, next: ClaimedJob?) {
        guard job.kind == .generateReply else { return (.permanent("unsupported job type: \(job.type)"), nil) }
        do {
            guard let context = try await queue.replyJobContext(job, now: clock.now()) else { return (.permanent("persona not found"), nil) }
            let quota = DailyQuota(.reply, limit: context.dailyReplyQuota)
            if !quota.allows(used: context.repliesToday) { return (.permanent(DomainError.quotaReached(.reply).description), nil) }
            guard let post = context.post else { return (.permanent("post not found"), nil) }
            guard post.status == .published else { return (.permanent("post is not published"), nil) }
            if context.alreadyReplied {
                let chain = WorkerSlot.computed() ? claimNext : nil
                let result = try await queue.completeJob(job, now: clock.now(), claimNext: chain)
                return (result.done ? .done : .lostClaim, result.next)
            }
            let text: String
            do {
                text = try await llm.generateReply(
                    persona: context.persona, post: LLMText(id: post.id, content: post.content),
                    thread: context.thread, template: context.template)
            } catch let error as LLMError {
                return (error.retryable ? .retry(error.message) : .permanent(error.message), nil)
            }
            let content: String
            do { content = try Safety.check(text, maxLength: replyMaxLength) } catch let error as DomainError {
                return (.permanent(error.description), nil)
            }
            // The LLM's part is over: the compute slot goes to another loop while this write waits for its commit.
            let chain = WorkerSlot.computed() ? claimNext : nil
            let (written, next) = try await queue.completeReplyJob(
                job, content: content, post: post, quota: context.dailyReplyQuota,
                now: clock.now(), claimNext: chain)
            switch written {
            case .written:
                replyWritten(job.postID)
                return (.done, next)
            case .alreadyExisted: return (.done, next)
            case .quotaReached: return (.permanent(DomainError.quotaReached(.reply).description), next)
            case .lostClaim: return (.lostClaim, next)
            }
        } catch {
            return (.retry(String(describing: error)), nil)
        }
    }
}
